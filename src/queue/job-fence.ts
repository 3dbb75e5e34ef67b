import type { Job } from 'bullmq';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import { redactor } from '../security/redactor.js';
import type { JobData, JobResult } from './job-data.js';
import { compactJobData } from './stored-job-data.js';

/**
 * Writes jobs' data only while this worker holds each job's lock, in one script for a batch of
 * jobs of one queue: BullMQ's own `updateData`, with the lock check of its `extendLock` in front.
 * BullMQ keeps a job in the hash `<prefix>:<queue>:<id>` and its lock in
 * `<prefix>:<queue>:<id>:lock`, holding the token of the worker that fetched it (bullmq 6.7
 * src/classes/redis-queue-backend.ts, `extendLock` and `updateData`; src/commands/extendLock-2.lua,
 * updateData-1.lua). A worker whose lock expired (a stall, a long pause) may still be running while
 * another one has taken the job: this is where it finds out, before it calls a provider the other
 * run might call too. KEYS: job, lock, job, lock, ... ARGV: token, data, token, data, ... Returns,
 * per job: 0 written, -2 the lock is another's, -1 the job is gone.
 */
const FENCED_UPDATES = `
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call("GET", KEYS[i + 1]) ~= ARGV[i] then
    out[#out + 1] = -2
  elseif redis.call("EXISTS", KEYS[i]) == 0 then
    out[#out + 1] = -1
  else
    redis.call("HSET", KEYS[i], "data", ARGV[i + 1])
    out[#out + 1] = 0
  end
end
return out
`;

// No fixed number of keys: each call says how many (two per job).
const fencedUpdates = luaCommand<number[]>('backstopFencedUpdates', FENCED_UPDATES);

/** This worker no longer holds the job (its lock expired, or the job is gone): the run must stop. */
export class LockLostError extends Error {
  constructor(
    readonly jobId: string,
    readonly reason: 'lock' | 'gone',
  ) {
    super(
      reason === 'lock'
        ? `job ${jobId}: this worker no longer holds its lock (another worker has it)`
        : `job ${jobId} no longer exists`,
    );
    this.name = 'LockLostError';
  }
}

/** One job's write, waiting for the others asked for in the same turn of the event loop. */
interface PendingWrite {
  jobKey: string;
  token: string;
  data: string;
  settle: (result: number | Error) => void;
}

/**
 * Fenced writes: each one is awaited (a provider is called only after it), and those asked for in
 * the same turn of the event loop go in one script call per queue. Jobs of one worker move in step
 * (their Redis replies arrive together), so when a provider fails, the jobs on it fail over
 * together: one socket write and one round trip for all of them instead of one each, which was a
 * third of a failover's CPU in a worker (bench:queue).
 */
export class JobFence {
  private pending = new Map<string, PendingWrite[]>();
  private scheduled = false;

  constructor(private readonly redis: RedisClient) {}

  /**
   * Replaces the job's data if `token` still holds its lock; throws LockLostError otherwise.
   * Progress, steps and failures are scrubbed of secret values first (a provider may echo one
   * back); the caller's input is kept as sent: the job needs it to run again. `v: 2` data is
   * stored as compact as the producer made it.
   */
  async write(job: Job<JobData, JobResult>, token: string | undefined, next: JobData): Promise<void> {
    const data = { ...redactor.scrubValue(next), input: next.input };
    const stored = data.v === 2 ? compactJobData(data, job) : data;
    const result = await new Promise<number | Error>((settle) =>
      this.enqueue(job.queueQualifiedName, {
        jobKey: `${job.queueQualifiedName}:${job.id}`,
        token: token ?? '',
        data: JSON.stringify(stored),
        settle,
      }),
    );
    if (result instanceof Error) throw result;
    if (result === -2) throw new LockLostError(job.id ?? '?', 'lock');
    if (result === -1) throw new LockLostError(job.id ?? '?', 'gone');
    job.data = data;
  }

  private enqueue(queue: string, write: PendingWrite): void {
    const writes = this.pending.get(queue);
    if (writes) writes.push(write);
    else this.pending.set(queue, [write]);
    if (this.scheduled) return;
    this.scheduled = true;
    // After this turn's I/O callbacks: the writes their jobs asked for meanwhile go along.
    setImmediate(() => this.flush());
  }

  /**
   * One call per queue: each queue's keys share a slot, and a script's keys must not cross slots
   * on a Cluster (named queues sit under hash tags of their own).
   */
  private flush(): void {
    const batches = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const writes of batches.values()) void this.send(writes);
  }

  private async send(writes: PendingWrite[]): Promise<void> {
    const keys: string[] = [];
    const args: string[] = [];
    for (const { jobKey, token, data } of writes) {
      keys.push(jobKey, `${jobKey}:lock`);
      args.push(token, data);
    }
    try {
      const results = await fencedUpdates(this.redis, keys, args);
      for (const [i, write] of writes.entries()) write.settle(results[i] ?? -1);
    } catch (error) {
      for (const write of writes) write.settle(error as Error);
    }
  }
}
