import {
  type Backstop,
  BackstopError,
  ErrorCodes,
  JOB_STATES,
  type JobState,
  type JobView,
} from '../../index.js';
import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { clockTime, formatJob, table } from '../output.js';
import { durationMs } from '../parse.js';

export interface JobsOptions {
  wait?: boolean;
  /** How long `--wait` waits: ms or a duration. */
  timeout?: string;
  json?: boolean;
}

export interface JobsListOptions {
  /** Comma-separated states. */
  state?: string;
  tag?: string;
  limit?: number;
  json?: boolean;
}

const FINISHED = new Set(['completed', 'failed']);
const POLL_MS = 200;

/** `backstop jobs <id>`: the job's state, result or error and attempts; `--wait` follows it to the end. */
export function runJobs(id: string, options: JobsOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    if (options.wait) return waitForJob(backstop, id, options, io);
    const view = await backstop.jobs.get(id);
    io.out(options.json ? JSON.stringify(view) : formatJob(view));
    return 0;
  });
}

/** `backstop jobs list [--state failed,delayed] [--tag t] [--limit n]`: newest first. */
export function runJobsList(options: JobsListOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const list: { state?: JobState[]; tag?: string; limit?: number } = {};
    if (options.state !== undefined) list.state = options.state.split(',').map((s) => s.trim()) as JobState[];
    if (options.tag !== undefined) list.tag = options.tag;
    if (options.limit !== undefined) list.limit = options.limit;
    const jobs = await backstop.jobs.list(list);
    if (options.json) {
      io.out(JSON.stringify(jobs));
      return 0;
    }
    if (jobs.length === 0) {
      io.out(
        `no jobs${options.state ? ` in state ${options.state}` : ''}${options.tag ? ` of ${options.tag}` : ''}`,
      );
      return 0;
    }
    const rows = jobs.map((j) => [j.id, j.state, j.tag, j.product, j.env, j.runAt, outcomeOf(j)]);
    io.out(table(['id', 'state', 'tag', 'product', 'env', 'due', 'outcome'], rows));
    return 0;
  });
}

/** `backstop jobs cancel <id>`: removes a job that has not started. */
export function runJobsCancel(id: string, options: { json?: boolean }, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const view = await backstop.jobs.cancel(id);
    io.out(options.json ? JSON.stringify(view) : `Cancelled job ${id} (${view.tag}, due ${view.runAt})`);
    return 0;
  });
}

/** `backstop jobs retry <id>`: runs a failed job again. */
export function runJobsRetry(id: string, options: { json?: boolean }, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const view = await backstop.jobs.retry(id);
    io.out(options.json ? JSON.stringify(view) : `Retrying job ${id} (${view.tag}): ${view.state}`);
    return 0;
  });
}

/** The states `--state` takes, for its help. */
export const STATE_HELP = JOB_STATES.join(', ');

function outcomeOf(view: JobView): string {
  if (view.state === 'completed') return view.provider ? `by ${view.provider}` : 'done';
  if (view.state === 'failed') return view.error ? `${view.error.code}: ${view.error.message}` : 'failed';
  return view.attempts.length > 0 ? `${view.attempts.length} attempt(s)` : '';
}

/**
 * Polls the job and prints each state it passes through (waiting, delayed with its due time,
 * active, completed or failed), then the final view. Exit code 0 when it completed, 1 when it
 * failed; a BACKSTOP_WAIT_TIMEOUT error after the timeout (default 2 minutes).
 */
export async function waitForJob(
  backstop: Backstop,
  id: string,
  options: JobsOptions,
  io: Io,
): Promise<number> {
  const timeoutMs = durationMs(options.timeout ?? '2m', '--timeout');
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const view = await backstop.jobs.get(id);
    const line = progressLine(view);
    if (line !== last) {
      // Progress goes to stderr under --json, so stdout stays one parseable document.
      (options.json ? io.err : io.out)(`${clockTime()}  job ${id}  ${line}`);
      last = line;
    }
    if (FINISHED.has(view.state)) {
      io.out(options.json ? JSON.stringify(view) : formatJob(view));
      return view.state === 'completed' ? 0 : 1;
    }
    if (Date.now() >= deadline) {
      throw new BackstopError(
        ErrorCodes.WAIT_TIMEOUT,
        `job '${id}' did not finish within ${timeoutMs} ms (it is ${view.state})`,
      );
    }
    await new Promise((done) => setTimeout(done, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
  }
}

function progressLine(view: JobView): string {
  if (view.state === 'delayed') return `delayed, due ${view.runAt}`;
  if (view.state === 'completed') return `completed by ${view.provider ?? '?'}`;
  if (view.state === 'failed') return `failed: ${view.error?.code ?? 'unknown'}`;
  if (view.state === 'active' && view.attempts.length > 0) {
    const lastAttempt = view.attempts[view.attempts.length - 1];
    return `active, ${view.attempts.length} attempt(s) so far, last on ${lastAttempt?.provider}`;
  }
  return view.state;
}
