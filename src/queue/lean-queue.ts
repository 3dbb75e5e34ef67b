import { Job, type JobsOptions, Queue, Worker } from 'bullmq';
import { defaultJobOptions } from './job-options.js';

/** Options every dispatched job has unless it says otherwise: read back from here, not stored. */
const DEFAULTS: Pick<JobsOptions, 'attempts' | 'backoff'> = defaultJobOptions();

/**
 * A job stored without the options its own record or our code already holds, and read back whole.
 * BullMQ copies every option into the job's `opts` field. Left out:
 * - `jobId` (the id is the key of its hash, and BullMQ reads it from there) and `timestamp` (the
 *   hash's `timestamp` field): read only while the job is being added (bullmq 6.7
 *   src/classes/job.ts, the constructor and `asJSON`; the scripts that add jobs take both as
 *   arguments), so the job looks like any job added without a custom id;
 * - `attempts` and `backoff` when both are our defaults: BullMQ reads them only in the process
 *   that holds the job (`shouldRetryJob` in the worker), which makes its jobs with this class and
 *   so fills them in when the job has neither. A job that stores them (earlier releases did, and
 *   BullMQ's own Job class always stores `attempts`) keeps its own.
 * A delayed job can wait for days and there may be millions: this is over 100 bytes each.
 */
class LeanJob extends Job {
  constructor(
    queue: ConstructorParameters<typeof Job>[0],
    name: string,
    data: unknown,
    opts: JobsOptions = {},
    id?: string,
  ) {
    const bare = !('attempts' in opts) && !('backoff' in opts);
    super(queue, name, data, bare ? { ...DEFAULTS, ...opts } : opts, id);
  }

  override asJSON(): ReturnType<Job['asJSON']> {
    const json = super.asJSON();
    const { jobId: _id, timestamp: _timestamp, ...opts } = json.opts;
    const { attempts, backoff, ...rest } = opts;
    return { ...json, opts: areDefaults(attempts, backoff) ? rest : opts };
  }
}

/** Whether a job's retry options are our defaults (compared field by field: this runs per job added). */
function areDefaults(attempts: JobsOptions['attempts'], backoff: JobsOptions['backoff']): boolean {
  if (attempts !== DEFAULTS.attempts) return false;
  const ours = DEFAULTS.backoff;
  if (typeof backoff !== 'object' || typeof ours !== 'object') return backoff === ours;
  const keys = Object.keys(backoff);
  return (
    keys.length === Object.keys(ours).length &&
    keys.every((key) => backoff[key as keyof typeof backoff] === ours[key as keyof typeof ours])
  );
}

// BullMQ's hook for another Job class (`protected get Job()`, "to easily extend Job class calls").
// The same class but for the above: only its generic static signatures differ in name.
const leanJob = LeanJob as unknown as typeof Job;

/** A BullMQ Queue whose jobs are stored and read lean (LeanJob). */
export class LeanQueue<D, R, N extends string> extends Queue<D, R, N> {
  protected override get Job(): typeof Job {
    return leanJob;
  }
}

/** A BullMQ Worker whose jobs are read with their default options filled in (LeanJob). */
export class LeanWorker<D, R, N extends string> extends Worker<D, R, N> {
  protected override get Job(): typeof Job {
    return leanJob;
  }
}
