import type { JobsOptions } from 'bullmq';

/** Retention and retry settings of fallback jobs. */
export interface JobRetention {
  /** Keep completed jobs this long (s) and at most this many. */
  completedAge: number;
  completedCount: number;
  /** Keep failed jobs this long (s) and at most this many: longer, since people read them. */
  failedAge: number;
  failedCount: number;
}

export const DEFAULT_RETENTION: JobRetention = {
  completedAge: 24 * 3600,
  completedCount: 10_000,
  failedAge: 7 * 24 * 3600,
  failedCount: 50_000,
};

/**
 * A chain has its own retries; BullMQ's `attempts` only re-runs a job whose worker failed (Redis
 * went away mid-job, the process was stopped). An exhausted chain is final (UnrecoverableError).
 *
 * No retention is stamped on jobs: a job's own `removeOnComplete` would override the worker's, and
 * retention is an operator setting of the workers, where jobs finish (BACKSTOP_KEEP_* there wins).
 */
export function defaultJobOptions(): JobsOptions {
  return { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } };
}
