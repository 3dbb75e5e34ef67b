import type { Job } from 'bullmq';
import type { JobData } from './job-data.js';
import { jobDataOf, type StoredJobData } from './stored-job-data.js';

/** What `fallback.dispatch` returns. */
export interface JobHandle {
  id: string;
  tag: string;
  product: string;
  env: string;
  /** When the job is due (ISO 8601). */
  runAt: string;
  state: string;
  /** True when a job with this `jobId` already existed and no new one was queued. */
  existing?: boolean;
}

/** What a recurring dispatch (`schedule: { cron }` / `{ every }`) returns. */
export interface ScheduleHandle {
  id: string;
  tag: string;
  product: string;
  env: string;
  cron?: string | undefined;
  tz?: string | undefined;
  every?: number | undefined;
  /** The next run (ISO 8601), when known. */
  next?: string | undefined;
  state: 'scheduled';
}

/** The handle of a job that was there already (a dispatch naming an existing `jobId`), read from its record. */
export function existingHandle(job: Job<StoredJobData>, state: string): JobHandle {
  return { ...handleOf(job.id!, jobDataOf(job), state), existing: true };
}

/**
 * The handle of a job, from its whole data: the producer has it (what it stored leaves out
 * what the job's record says, and filling that in again was a visible share of a dispatch's CPU).
 */
export function handleOf(
  id: string,
  data: Pick<JobData, 'tag' | 'product' | 'env' | 'runAt'>,
  state: string,
): JobHandle {
  const { tag, product, env, runAt } = data;
  return { id, tag, product, env, runAt: new Date(runAt).toISOString(), state };
}
