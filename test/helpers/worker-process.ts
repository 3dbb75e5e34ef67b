import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { redisUrl } from './redis.js';

/** A worker process (`workers/fallback.worker.ts`) run as a real child process. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Every log line it printed (pino JSON), parsed when possible. */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Sends a signal; resolves at once. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (fails the test if it does not come within `ms`). */
  stop(ms?: number): Promise<number | null>;
}

const ROOT = resolve(import.meta.dirname, '../..');
/** Makes a child stop itself if this test process dies first (see the module). */
export const DIE_WITH_PARENT = './test/helpers/die-with-parent.mjs';

/**
 * Starts a worker process (`workers/fallback.worker.ts` by default) under tsx with the test's Redis and key prefix, and waits for
 * its "worker ready" line. Stalled-job detection is made fast (lock 1 s) so a killed worker's jobs
 * come back within seconds.
 */
export async function startWorkerProcess(
  prefix: string,
  env: Record<string, string> = {},
  script = 'workers/fallback.worker.ts',
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', DIE_WITH_PARENT, script], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: redisUrl(),
      BACKSTOP_PREFIX: prefix,
      LOG_LEVEL: 'debug',
      BACKSTOP_LOCK_DURATION_MS: '1000',
      BACKSTOP_STALLED_INTERVAL_MS: '500',
      BACKSTOP_CIRCUIT_THRESHOLD: '0', // as testBackstop: circuits only where a test turns them on
      BACKSTOP_CHECK_REFERENCES: 'false', // as testBackstop: reference checks only where a test turns them on
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parse(line);
        logs.push(entry);
        if (entry.msg === 'worker ready') done();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    void exited.then((code) => fail(new Error(`worker exited (${code}) before it was ready:\n${stderr}`)));
    setTimeout(() => fail(new Error(`worker not ready within 15 s:\n${stderr}`)), 15_000).unref();
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL'); // a worker that never became ready must not outlive the test
    throw error;
  }
  return {
    child,
    pid: child.pid!,
    logs,
    exited,
    signal: (signal) => void child.kill(signal),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop(ms = 15_000) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function parse(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}
