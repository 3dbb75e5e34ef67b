import type { Queue } from 'bullmq';
import { expect } from 'vitest';
import { LeanQueue } from '../../src/queue/lean-queue.js';
import { Keys } from '../../src/store/keys.js';
import { rawRedis } from './redis.js';

/**
 * Reads a named job queue under `prefix` (the test product's by default) with a BullMQ Queue,
 * closed after `read`.
 */
export async function withJobQueue<T>(
  prefix: string,
  read: (queue: Queue) => Promise<T>,
  name = 'my-product',
): Promise<T> {
  const connection = rawRedis();
  // As workers read jobs: with the retry options a job leaves out filled in.
  const queue = new LeanQueue(name, { connection, prefix: new Keys(prefix).jobQueuePrefix(name) });
  try {
    return await read(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Jobs that may still run: waiting, delayed, prioritized or running. */
export function pendingJobs(prefix: string): Promise<number> {
  return withJobQueue(prefix, async (queue) => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  });
}

/**
 * Checks that BullMQ will never run job `id` again: it sits in the failed set (BullMQ only retries
 * from `delayed` or `wait`), with attempts left it did not use, so the failure was final rather
 * than a retry waiting out its backoff.
 */
export async function expectFailedForGood(prefix: string, id: string): Promise<void> {
  await withJobQueue(prefix, async (queue) => {
    const job = await queue.getJob(id);
    expect(job, `BullMQ job ${id}`).toBeDefined();
    expect(await job!.getState()).toBe('failed');
    expect(job!.finishedOn).toEqual(expect.any(Number));
    expect(job!.attemptsMade).toBe(1);
    expect(job!.opts.attempts).toBeGreaterThan(1);
    expect(await queue.getDelayed()).not.toContainEqual(expect.objectContaining({ id }));
  });
}
