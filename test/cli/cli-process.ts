import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { DIE_WITH_PARENT } from '../helpers/worker-process.js';

export const ROOT = resolve(import.meta.dirname, '../..');

/** A `backstop …` process, run as users run it from a checkout: Node with tsx's loader. */
export interface CliProcess {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout (or stderr), failing after `ms`. */
  waitFor(pattern: RegExp, ms?: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  /** SIGTERM and the exit code, SIGKILL after `ms`. */
  stop(ms?: number): Promise<number | null>;
  /** SIGKILL if still running; for afterAll. */
  kill(): Promise<void>;
}

/** The child's environment: the test's, minus a REDIS_URL the test did not ask for. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: undefined, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

/** `group`: in a process group of its own, as a terminal's foreground job is, for Ctrl+C tests. */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  group = false,
): CliProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', DIE_WITH_PARENT, 'src/cli/main.ts', ...args],
    {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: group,
    },
  );
  const text = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => {
    text.stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    text.stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const cli: CliProcess = {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    async waitFor(pattern, ms = 30_000, stream = 'stdout') {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = text[stream].match(pattern);
        if (match) return match;
        if (!running() || Date.now() > deadline) {
          const why = running() ? `not within ${ms} ms` : `the process exited (${child.exitCode})`;
          throw new Error(`${pattern} ${why}\n--- stdout\n${text.stdout}\n--- stderr\n${text.stderr}`);
        }
        await new Promise((done) => setTimeout(done, 50));
      }
    },
    async stop(ms = 20_000) {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
  return cli;
}

/** Runs a one-shot command to its end (SIGKILL after `ms`). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  ms = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), ms);
  const code = await cli.exited;
  clearTimeout(timer);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** `fetch` with the API key, answering the status and parsed body. */
export async function api(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
