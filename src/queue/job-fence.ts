import type { Job } from 'bullmq';
import type { RedisClient } from '../redis/redis-client.js';
import { redactor } from '../security/redactor.js';
import type { JobData, JobResult } from './job-data.js';
import { compactJobData } from './stored-job-data.js';

/**
 * Writes a job's data only while this worker holds the job's lock, in one script: BullMQ's own
 * `updateData` round trip, with the lock check of its `extendLock` in front. BullMQ keeps a job in
 * the hash `<prefix>:<queue>:<id>` and its lock in `<prefix>:<queue>:<id>:lock`, holding the
 * token of the worker that fetched it (bullmq 6.7 src/classes/redis-queue-backend.ts, `extendLock`
 * and `updateData`; src/commands/extendLock-2.lua, updateData-1.lua). A worker whose lock expired
 * (a stall, a long pause) may still be running while another one has taken the job: this is where
 * it finds out, before it calls a provider the other run might call too.
 */
const FENCED_UPDATE = `
if redis.call("GET", KEYS[2]) ~= ARGV[1] then return -2 end
if redis.call("EXISTS", KEYS[1]) == 0 then return -1 end
redis.call("HSET", KEYS[1], "data", ARGV[2])
return 0
`;

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

type FencedRedis = RedisClient & {
  backstopFencedUpdate(jobKey: string, lockKey: string, token: string, data: string): Promise<number>;
};

export class JobFence {
  private readonly redis: FencedRedis;

  constructor(redis: RedisClient) {
    // ioredis sends EVALSHA and loads the script on NOSCRIPT (after a Redis restart, too).
    redis.defineCommand('backstopFencedUpdate', { numberOfKeys: 2, lua: FENCED_UPDATE });
    this.redis = redis as FencedRedis;
  }

  /**
   * Replaces the job's data if `token` still holds its lock; throws LockLostError otherwise.
   * Progress, steps and failures are scrubbed of secret values first (a provider may echo one
   * back); the caller's input is kept as sent: the job needs it to run again. `v: 2` data is
   * stored as compact as the producer made it.
   */
  async write(job: Job<JobData, JobResult>, token: string | undefined, next: JobData): Promise<void> {
    const data = { ...redactor.scrubValue(next), input: next.input };
    const stored = data.v === 2 ? compactJobData(data, job) : data;
    const jobKey = `${job.queueQualifiedName}:${job.id}`;
    const result = await this.redis.backstopFencedUpdate(
      jobKey,
      `${jobKey}:lock`,
      token ?? '',
      JSON.stringify(stored),
    );
    if (result === -2) throw new LockLostError(job.id ?? '?', 'lock');
    if (result === -1) throw new LockLostError(job.id ?? '?', 'gone');
    job.data = data;
  }
}
