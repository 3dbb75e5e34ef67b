import type { Backstop } from '../backstop.js';
import type { QueueDepths } from './metrics.js';

/** Rejects after `ms`: a probe or a scrape must answer even when Redis hangs. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function queueDepths(backstop: Backstop, timeoutMs = 2_000): QueueDepths {
  return async () => {
    const read = async () => {
      // Summed over every named queue.
      const all = await Promise.all(
        (await backstop.jobQueues()).map((q) => q.getJobCounts('waiting', 'delayed', 'active', 'failed')),
      );
      const sum = (state: string) => all.reduce((total, counts) => total + (counts[state] ?? 0), 0);
      return {
        waiting: sum('waiting'),
        delayed: sum('delayed'),
        active: sum('active'),
        failed: sum('failed'),
      };
    };
    return within(read(), timeoutMs, 'Redis');
  };
}
