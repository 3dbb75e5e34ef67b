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
      const queue = await backstop.jobQueue();
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
      return {
        waiting: counts.waiting ?? 0,
        delayed: counts.delayed ?? 0,
        active: counts.active ?? 0,
        failed: counts.failed ?? 0,
      };
    };
    return within(read(), timeoutMs, 'Redis');
  };
}
