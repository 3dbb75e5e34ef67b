import { Queue } from 'bullmq';
import { HEALTHCHECK_QUEUE, HEALTHCHECK_QUEUE_LABEL } from '../health/healthcheck-scheduler.js';
import { listJobQueues } from '../queue/queue-registry.js';
import { connectStoreClient } from '../redis/connection.js';

export const COUNTED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export interface QueueCounts {
  /** The BullMQ queue's name. */
  queue: string;
  /**
   * A named job queue, or the healthcheck queue: a product called `healthchecks` has a job queue
   * of the same name, so the name alone does not say which.
   */
  kind: 'jobs' | 'probes';
  /** How the table shows it: the name, or `healthchecks (probes)` for the healthcheck queue. */
  label: string;
  counts: Record<(typeof COUNTED_STATES)[number], number>;
}

/** Job counts by state of every named job queue and the healthcheck queue, read with a connection of its own. */
export async function readQueueCounts(redisUrl: string, prefix: string): Promise<QueueCounts[]> {
  const connection = await connectStoreClient(redisUrl);
  try {
    const out: QueueCounts[] = [];
    const named = [
      ...(await listJobQueues(connection, prefix)).map((q) => ({
        ...q,
        kind: 'jobs' as const,
        label: q.name,
      })),
      { name: HEALTHCHECK_QUEUE, prefix, kind: 'probes' as const, label: HEALTHCHECK_QUEUE_LABEL },
    ];
    for (const { name, prefix: queuePrefix, kind, label } of named) {
      const queue = new Queue(name, { connection, prefix: queuePrefix });
      try {
        const raw = await queue.getJobCounts(...COUNTED_STATES);
        const counts = Object.fromEntries(COUNTED_STATES.map((s) => [s, raw[s] ?? 0]));
        out.push({ queue: name, kind, label, counts: counts as QueueCounts['counts'] });
      } finally {
        await queue.close(); // leaves the shared connection open; closed below
      }
    }
    return out;
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
}
