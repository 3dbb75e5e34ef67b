import { Queue } from 'bullmq';
import { HEALTHCHECK_QUEUE } from '../health/healthcheck-scheduler.js';
import { listJobQueues } from '../queue/queue-registry.js';
import { connectStoreClient } from '../redis/connection.js';

export const COUNTED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export interface QueueCounts {
  queue: string;
  counts: Record<(typeof COUNTED_STATES)[number], number>;
}

/** Job counts by state of every named job queue and the healthcheck queue, read with a connection of its own. */
export async function readQueueCounts(redisUrl: string, prefix: string): Promise<QueueCounts[]> {
  const connection = await connectStoreClient(redisUrl);
  try {
    const out: QueueCounts[] = [];
    const named = [...(await listJobQueues(connection, prefix)), { name: HEALTHCHECK_QUEUE, prefix }];
    for (const { name, prefix: queuePrefix } of named) {
      const queue = new Queue(name, { connection, prefix: queuePrefix });
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
