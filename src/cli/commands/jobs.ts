import type { Backstop } from '../../backstop.js';
import { BackstopError, ErrorCodes } from '../../core/errors.js';
import type { JobView } from '../../queue/job-view.js';
import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { clockTime, formatJob } from '../output.js';
import { durationMs } from '../parse.js';

export interface JobsOptions {
  wait?: boolean;
  /** How long `--wait` waits: ms or a duration. */
  timeout?: string;
  json?: boolean;
}

const FINISHED = new Set(['completed', 'failed']);
const POLL_MS = 200;

/** `backstop jobs <id>`: the job's state, result or error and attempts; `--wait` follows it to the end. */
export function runJobs(id: string, options: JobsOptions, io: Io): Promise<number> {
  return withBackstop(io, 'jobs', async (backstop) => {
    if (options.wait) return waitForJob(backstop, id, options, io);
    const view = await backstop.jobs.get(id);
    io.out(options.json ? JSON.stringify(view) : formatJob(view));
    return 0;
  });
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
