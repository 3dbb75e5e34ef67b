import type { Job } from 'bullmq';
import type { AttemptRecord } from '../core/attempt.js';
import { ErrorCodes } from '../core/errors.js';
import type { FallbackJobData, FallbackJobResult } from './job-data.js';

/** What `jobs.get` returns: where the job is, and how its chain went. */
export interface JobView {
  id: string;
  tag: string;
  product: string;
  env: string;
  state: string;
  runAt: string;
  dispatchedAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  /** `{ provider, ...output }` once completed. */
  result?: Record<string, unknown> | undefined;
  provider?: string | undefined;
  error?: { code: string; message: string } | undefined;
  /** Every attempt, across re-runs of the job. */
  attempts: AttemptRecord[];
  /** How many times a worker started the job (more than 1 after a crash or a shutdown). */
  runs: number;
}

export function viewOf(job: Job<FallbackJobData, FallbackJobResult>, state: string): JobView {
  const data = job.data;
  const returned = job.returnvalue ?? undefined;
  const view: JobView = {
    id: job.id!,
    tag: data.tag,
    product: data.product,
    env: data.env,
    state,
    runAt: iso(data.runAt)!,
    dispatchedAt: iso(data.dispatchedAt)!,
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    attempts: returned?.attempts ?? data.progress?.attempts ?? [],
    runs: job.attemptsStarted ?? job.attemptsMade,
  };
  if (returned) {
    view.result = returned.result;
    view.provider = returned.provider;
  }
  if (state === 'failed') {
    view.error = data.failure ?? { code: ErrorCodes.WORKER_FAILED, message: job.failedReason ?? 'failed' };
  }
  return view;
}

function iso(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}
