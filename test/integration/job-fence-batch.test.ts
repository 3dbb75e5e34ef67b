import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { JobData, JobResult } from '../../src/queue/job-data.js';
import { JobFence, LockLostError } from '../../src/queue/job-fence.js';
import { withJobQueue } from '../helpers/bullmq-jobs.js';
import { rawRedis, uniquePrefix } from '../helpers/redis.js';

const data = (key: string): JobData => ({
  v: 1,
  product: 'my-product',
  tag: 'pay',
  env: 'prd',
  input: { amount: 1 },
  idempotencyKey: key,
  dispatchedAt: 0,
  runAt: 0,
});

/**
 * Fenced writes asked for in the same turn of the event loop share one script call; each job's
 * lock is still checked on its own, so one job's lost lock fails that job's write only.
 */
describe('job fence: writes asked for together', () => {
  it('writes the jobs whose lock this worker holds and refuses the others, one by one', async () => {
    const prefix = uniquePrefix();
    const redis = rawRedis();
    try {
      await withJobQueue(prefix, async (queue) => {
        const jobs = (await queue.addBulk(
          ['held', 'taken', 'gone', 'held-too'].map((name) => ({ name, data: data(name) })),
        )) as Job<JobData, JobResult>[];
        const [held, taken, gone, heldToo] = jobs as [
          (typeof jobs)[0],
          (typeof jobs)[0],
          (typeof jobs)[0],
          (typeof jobs)[0],
        ];
        const lock = (job: Job) => `${job.queueQualifiedName}:${job.id}:lock`;
        for (const job of [held, taken, heldToo]) await redis.set(lock(job), `token-${job.name}`);
        await redis.set(lock(taken), 'another-worker');
        await gone.remove();
        // Its lock outlived it (a worker still holds a token for a job that was removed meanwhile).
        await redis.set(lock(gone), `token-${gone.name}`);

        const fence = new JobFence(redis);
        const progress = (job: Job<JobData>) => ({
          ...data(job.name),
          progress: { startAt: 1, attempts: [] },
        });
        const results = await Promise.allSettled(
          [held, taken, gone, heldToo].map((job) => fence.write(job, `token-${job.name}`, progress(job))),
        );

        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        const reasons = results.map((r) =>
          r.status === 'rejected' ? (r.reason as LockLostError) : undefined,
        );
        expect(reasons[1]).toBeInstanceOf(LockLostError);
        expect(reasons[1]?.reason).toBe('lock');
        expect(reasons[2]?.reason).toBe('gone');
        for (const job of [held, heldToo]) {
          expect((await queue.getJob(job.id!))?.data.progress).toEqual({ startAt: 1, attempts: [] });
          expect(job.data.progress).toEqual({ startAt: 1, attempts: [] });
        }
        expect((await queue.getJob(taken.id!))?.data.progress).toBeUndefined();
        expect(await redis.exists(`${gone.queueQualifiedName}:${gone.id}`)).toBe(0);
      });
    } finally {
      redis.disconnect();
    }
  });

  it('fails every write of a call Redis does not answer, with the reason', async () => {
    const redis = rawRedis();
    const fence = new JobFence(redis);
    redis.disconnect();
    await withJobQueue(uniquePrefix(), async (queue) => {
      const job = (await queue.add('a', data('a'))) as Job<JobData, JobResult>;
      await expect(fence.write(job, 'token', data('a'))).rejects.toThrow(/closed|Connection/i);
    });
  });
});
