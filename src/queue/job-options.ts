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
 */
export function defaultJobOptions(retention: JobRetention): JobsOptions {
  return {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: retention.completedAge, count: retention.completedCount },
    removeOnFail: { age: retention.failedAge, count: retention.failedCount },
  };
}
