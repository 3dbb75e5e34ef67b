import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import { findRedisServer, isExecutable, REDIS_SERVER_MISSING } from './find-redis-server.js';

export interface EmbeddedRedisOptions {
  /** Data directory (AOF files). Each server gets its own folder below it, named by port. */
  dataDir?: string;
  /** The server's own folder, used as is (instead of a folder per port below `dataDir`). */
  dir?: string;
  /** Try this port first (a restarted server keeps the URL other terminals were given). */
  port?: number;
  /** AOF persistence; on by default, tests turn it off. */
  appendOnly?: boolean;
  /** Redis timer frequency. 100 makes BullMQ's delayed jobs land within a few ms instead of ~100. */
  hz?: number;
  /** Path of the redis-server binary; found on PATH (and the usual places) by default. */
  binary?: string;
  /** With `port`: that port or fail (a restart after a crash keeps the URL its clients reconnect to). */
  strictPort?: boolean;
  /** Extra `--name value` settings (e.g. `{ maxmemory: '8mb' }`). */
  settings?: Record<string, string>;
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  dataDir: string;
  /** The redis-server's process id. */
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL, as a crash: no AOF flush beyond what `appendfsync everysec` already wrote. */
  kill(): Promise<void>;
}

/** Starts a private `redis-server` on a free loopback port, configured for Backstop. */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const binary = options.binary ?? findRedisServer();
  if (!binary || !isExecutable(binary))
    throw new BackstopError(ErrorCodes.REDIS_UNAVAILABLE, REDIS_SERVER_MISSING);
  if (options.port !== undefined && options.strictPort) return launch(binary, options.port, options);
  for (let tries = 0; ; tries++) {
    const port = tries === 0 && options.port ? options.port : await freePort();
    try {
      return await launch(binary, port, options);
    } catch (error) {
      // Another process may have taken the port between our probe and the launch: try another.
      if (tries >= 3 || !String((error as Error).message).includes('Address already in use')) throw error;
    }
  }
}

async function launch(binary: string, port: number, options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dataDir = options.dir
    ? resolve(options.dir)
    : resolve(options.dataDir ?? '.data', 'redis', String(port));
  mkdirSync(dataDir, { recursive: true });
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dataDir,
    '--appendonly',
    options.appendOnly === false ? 'no' : 'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--hz',
    String(options.hz ?? 100),
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--logfile',
    '',
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [`--${name}`, value]),
  ];
  // Its own process group: a terminal's Ctrl+C goes to our group, and Redis must outlive the
  // graceful shutdown that needs it; close() and the exit hook below stop it.
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await waitUntilReady(child);
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    pid: child.pid ?? 0,
    stop() {
      stopped ??= stopChild(child).finally(() => process.removeListener('exit', killOnExit));
      return stopped;
    },
    kill() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((done) => child.once('exit', () => done()));
          child.kill('SIGKILL');
          await exited;
        }
        process.removeListener('exit', killOnExit);
      })();
      return stopped;
    },
  };
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not start within 10 s:\n${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        cleanup();
        child.stdout?.resume();
        resolvePromise();
      }
    };
    const onExit = (code: number | null) =>
      fail(new Error(`redis-server exited with code ${code}:\n${output}`));
    const fail = (error: Error) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new BackstopError(ErrorCodes.REDIS_UNAVAILABLE, error.message));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM'); // redis flushes the AOF and exits
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port')),
      );
    });
  });
}
