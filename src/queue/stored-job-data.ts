import type { JobData } from './job-data.js';
import { ownKeyOf } from './queue-names.js';

/** Fields a job's own BullMQ record already says, left out of its data (`v: 2`). */
type Derived = 'product' | 'tag' | 'dispatchedAt' | 'runAt' | 'idempotencyKey';

/**
 * What Redis holds as a job's data. A delayed job can wait for days and there may be millions of
 * them, so nothing is stored twice: in `v: 2` data, a field equal to what the job says of itself
 * is left out, and read back from there (jobDataOf):
 * - `tag`: the job's name (the producer names jobs after their tag);
 * - `product`: the job's queue (a product's jobs go to the queue named after it by default);
 * - `dispatchedAt`: the job's timestamp (the producer pins it to the dispatch time);
 * - `runAt`: its timestamp plus its delay (what BullMQ schedules it by);
 * - `idempotencyKey`: the random key of the job's id (`<queue>.<key>`) when the producer made both.
 * Everything the caller chose (env, input, a cache, a sealed session) stays, so Bull Board still
 * shows what the job will do. `v: 1` data (earlier releases, recurring schedules) holds every field.
 */
export type StoredJobData = Omit<JobData, Derived | 'v'> & Partial<Pick<JobData, Derived>> & { v: 1 | 2 };

/** What a job says of itself, beside its data. */
export interface JobFacts {
  id?: string | undefined;
  name: string;
  queueName: string;
  timestamp: number;
  opts: { delay?: number | undefined };
}

/** The job's data as `v: 2`: without the fields its own record says (the job as it will be stored). */
export function compactJobData(data: JobData, job: JobFacts): StoredJobData {
  const { product, tag, dispatchedAt, runAt, idempotencyKey, ...kept } = data;
  const stored: StoredJobData = { ...kept, v: 2 };
  if (product !== job.queueName) stored.product = product;
  if (tag !== job.name) stored.tag = tag;
  if (dispatchedAt !== job.timestamp) stored.dispatchedAt = dispatchedAt;
  if (runAt !== job.timestamp + (job.opts.delay ?? 0)) stored.runAt = runAt;
  if (idempotencyKey !== ownKeyOf(job.id)) stored.idempotencyKey = idempotencyKey;
  return stored;
}

/**
 * The job's data with every field, whichever version stored it. `v: 1` data is taken as it is;
 * a missing field of `v: 2` data comes from the job (an id not of our form gives no key, and the
 * lifecycle refuses the job as carrying invalid data). The job's data object is completed in place.
 */
export function jobDataOf(job: JobFacts & { data: StoredJobData }): JobData {
  const data = job.data;
  if (data?.v !== 2) return data as JobData;
  // Filled in place: the data is this job's own, parsed from Redis for it (a copy per job was
  // measurable on a worker's path, and every reader wants the whole).
  data.product ??= job.queueName;
  data.tag ??= job.name;
  data.dispatchedAt ??= job.timestamp;
  data.runAt ??= job.timestamp + (job.opts.delay ?? 0);
  data.idempotencyKey ??= ownKeyOf(job.id);
  return data as unknown as JobData;
}
