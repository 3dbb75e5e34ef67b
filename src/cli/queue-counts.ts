import { Queue } from 'bullmq';
import { HEALTHCHECK_QUEUE } from '../health/healthcheck-scheduler.js';
import { JOB_QUEUE } from '../queue/job-data.js';
import { connectStoreClient } from '../redis/connection.js';

export const COUNTED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export interface QueueCounts {
  queue: string;
  counts: Record<(typeof COUNTED_STATES)[number], number>;
}

/** Job counts by state of Backstop's two queues, read with a connection of its own. */
export async function readQueueCounts(redisUrl: string, prefix: string): Promise<QueueCounts[]> {
  const connection = await connectStoreClient(redisUrl);
  try {
    const out: QueueCounts[] = [];
    for (const name of [JOB_QUEUE, HEALTHCHECK_QUEUE]) {
      const queue = new Queue(name, { connection, prefix });
      try {
        const raw = await queue.getJobCounts(...COUNTED_STATES);
        const counts = Object.fromEntries(COUNTED_STATES.map((s) => [s, raw[s] ?? 0]));
        out.push({ queue: name, counts: counts as QueueCounts['counts'] });
      } finally {
        await queue.close(); // leaves the shared connection open; closed below
      }
    }
    return out;
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
}
