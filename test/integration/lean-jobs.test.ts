import { type Job, QueueEvents } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { LeanQueue, LeanWorker } from '../../src/queue/lean-queue.js';
import { closeAfterEach } from '../helpers/close-after-each.js';
import { rawRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';

/**
 * Jobs stored without the options their own record or our code holds (lean-queue.ts): BullMQ
 * still retries them as before, since the worker reads the retry options back in; a job that
 * stores its own options (every job of earlier releases) keeps them.
 */
describe('lean jobs', () => {
  const closeLater = closeAfterEach();

  function open() {
    const prefix = uniquePrefix();
    const connection = { url: redisUrl() };
    const queue = new LeanQueue<{ n: number }, string, string>('lean', {
      connection,
      prefix,
      defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
    });
    const events = new QueueEvents('lean', { connection, prefix });
    closeLater(
      () => queue.close(),
      () => events.close(),
    );
    /** A worker whose processor throws an ordinary error (the worker's own trouble) on the first run. */
    const worker = () => {
      const seen: Pick<Job, 'attemptsMade' | 'opts'>[] = [];
      const made = new LeanWorker<{ n: number }, string, string>(
        'lean',
        async (job) => {
          seen.push({ attemptsMade: job.attemptsMade, opts: job.opts });
          if (job.attemptsMade === 0) throw new Error('Redis went away');
          return 'done';
        },
        { connection, prefix },
      );
      closeLater(() => made.close());
      return seen;
    };
    const stored = async (id: string) => {
      const redis = rawRedis();
      try {
        return JSON.parse((await redis.hget(`${prefix}:lean:${id}`, 'opts')) ?? '{}');
      } finally {
        redis.disconnect();
      }
    };
    return { queue, events, worker, stored };
  }

  it('stores no id, timestamp or default retry options, and a worker still retries with them', async () => {
    const { queue, events, worker, stored } = open();
    await events.waitUntilReady();
    const job = await queue.add(
      'lean',
      { n: 1 },
      { jobId: 'q.kNBlenCEGzSmO4W3OvrH0', timestamp: Date.now() },
    );
    expect(await stored(job.id!)).toEqual({});

    const seen = worker();
    expect(await job.waitUntilFinished(events, 20_000)).toBe('done');
    expect(seen.map((s) => s.attemptsMade)).toEqual([0, 1]);
    expect(seen[0]!.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 1_000 } });
    expect((await queue.getJob(job.id!))?.opts).toMatchObject({ attempts: 5 });
  });

  it('keeps options a job stores: one attempt means the first failure is final', async () => {
    const { queue, events, worker, stored } = open();
    await events.waitUntilReady();
    const job = await queue.add('lean', { n: 2 }, { attempts: 1 });
    expect(await stored(job.id!)).toMatchObject({ attempts: 1, backoff: { delay: 1_000 } });

    const seen = worker();
    await expect(job.waitUntilFinished(events, 20_000)).rejects.toThrow('Redis went away');
    expect(seen.map((s) => s.attemptsMade)).toEqual([0]);
  });
});
