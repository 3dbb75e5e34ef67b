import { Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../core/event-bus.js';
import { FastHistogram } from './fast-metrics.js';
import { seconds } from './metric-labels.js';

/** The fallback queue as one scrape reads it; undefined when Redis did not answer. */
export interface QueueReading {
  depths: Record<'waiting' | 'delayed' | 'active' | 'failed', number>;
  /** Fallback workers that beat within the last 15 s, in every process. */
  workers: number;
}

export type ReadQueue = () => Promise<QueueReading>;

const LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Queue depths, live workers and whether Redis answered, from one read per scrape; and how late
 * jobs start, from the workers of this process. Returns the function that stops listening.
 */
export function recordQueue(
  events: EventBus | undefined,
  registers: Registry[],
  readQueue: ReadQueue,
): () => void {
  let pending: Promise<QueueReading | undefined> | undefined;
  // The gauges collect in the same scrape: they share one read, forgotten right after.
  const read = () => {
    pending ??= readQueue()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  new Gauge({
    name: 'backstop_queue_jobs',
    help: 'Jobs in the fallback queue by state (waiting, delayed, active, failed), read at scrape time',
    labelNames: ['state'],
    registers,
    async collect() {
      const reading = await read();
      this.reset();
      if (reading) for (const [state, n] of Object.entries(reading.depths)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'backstop_queue_workers',
    help: 'Fallback workers (in every process) that beat within the last 15 s, read at scrape time',
    registers,
    async collect() {
      const reading = await read();
      this.reset();
      if (reading) this.set(reading.workers);
    },
  });
  new Gauge({
    name: 'backstop_queue_up',
    help: '1 when the queue could be read from Redis at this scrape, else 0',
    registers,
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  const lateness = new FastHistogram(
    {
      name: 'backstop_job_lateness_seconds',
      help: 'How long after its intended time (dispatch plus delay, or its at) a job started, by kind (fallback, feature)',
      labelNames: ['kind'],
      registers,
    },
    LATENESS_BUCKETS,
  );
  if (!events) return () => {};
  return events.on('job.started', (e) => lateness.observe(seconds(e.lateMs), e.kind));
}
