import type { Job } from 'bullmq';
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

export function handleOf(job: Job<StoredJobData>, state: string, existing?: boolean): JobHandle {
  const { tag, product, env, runAt } = jobDataOf(job);
  const handle: JobHandle = { id: job.id!, tag, product, env, runAt: new Date(runAt).toISOString(), state };
  if (existing) handle.existing = true;
  return handle;
}
