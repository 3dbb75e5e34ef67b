import { Job, Queue } from 'bullmq';

/**
 * A job stored without the two options its own record already holds: `jobId` (the id is the key
 * of its hash, and BullMQ reads it from there) and `timestamp` (the hash's `timestamp` field).
 * BullMQ copies every option into the job's `opts` field; these two are read only while the job
 * is being added (bullmq 6.7 src/classes/job.ts, the constructor and `asJSON`; the Lua scripts
 * that add jobs take the id and timestamp as arguments), so a job without them is what any job
 * added without a custom id looks like. A delayed job can wait for days and there may be
 * millions: this is 60 to 70 bytes each.
 */
class LeanJob extends Job {
  override asJSON(): ReturnType<Job['asJSON']> {
    const json = super.asJSON();
    const { jobId: _id, timestamp: _timestamp, ...opts } = json.opts;
    return { ...json, opts };
  }
}

/** A BullMQ Queue whose jobs are stored lean (LeanJob), through its hook for another Job class. */
export class LeanQueue<D, R, N extends string> extends Queue<D, R, N> {
  protected override get Job(): typeof Job {
    // The same class but for asJSON: only its generic static signatures differ in name.
    return LeanJob as unknown as typeof Job;
  }
}
