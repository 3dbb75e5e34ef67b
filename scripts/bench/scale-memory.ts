import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Backstop } from '../../src/backstop.js';
import { silentLogger } from '../../src/core/logger.js';
import { newJobId } from '../../src/queue/queue-names.js';

/** How long the jobs wait: long enough that none comes due while the figures are read. */
const DELAY_MS = 3_600_000;

/** A typical payment chain's input: what a checkout hands over. */
function paymentInput(i: number) {
  return {
    amount: 4_999 + i,
    currency: 'EUR',
    customerId: `cus_${(1e15 + i * 7_919).toString(36)}`,
    idempotencyKey: `order-2026-12-03-${String(i).padStart(6, '0')}`,
  };
}

/** BullMQ's default retention is "keep everything": a raw user sets some, like this one. */
const RAW_RETENTION = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
};

export interface MemorySide {
  /** used_memory after the jobs minus before, per job. */
  bytesPerJob: number;
  /** MEMORY USAGE of one job's hash. */
  hashBytes: number;
  /** The hash itself (HGETALL), to see where the bytes go. */
  hash: Record<string, string>;
}

/**
 * Bytes of Redis memory per delayed job, from `INFO memory used_memory` before and after `jobs`
 * jobs are queued one by one (a first job, not counted, loads the scripts and makes the queue's
 * own keys). Raw: `Queue.add` with the input as data, the same delay and a retention, under
 * BullMQ's ids (a counter) or, `raw-ids`, ids of Backstop's form (`<queue>.<21 characters>`).
 * Backstop: `fallback.dispatch` of a two-provider chain under its default key prefix.
 */
export async function bytesPerDelayedJob(
  side: 'raw' | 'raw-ids' | 'backstop',
  url: string,
  jobs: number,
): Promise<MemorySide> {
  const stats = new Redis(url);
  const add = side === 'backstop' ? await backstopAdder(url) : await rawAdder(url, side === 'raw-ids');
  try {
    const first = await add.one(0);
    const before = await usedMemory(stats);
    // A few in flight, as a busy checkout would: the figure is per job, not per round trip.
    for (let i = 1; i <= jobs; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, jobs + 1 - i) }, (_, k) => add.one(i + k)));
    }
    const after = await usedMemory(stats);
    const hashBytes = Number(await stats.memory('USAGE', first, 'SAMPLES', '0'));
    return { bytesPerJob: (after - before) / jobs, hashBytes, hash: await stats.hgetall(first) };
  } finally {
    await add.close();
    stats.disconnect();
  }
}

interface Adder {
  /** Queues job `i`; returns the key of its hash. */
  one(i: number): Promise<string>;
  close(): Promise<void>;
}

async function rawAdder(url: string, ownIds: boolean): Promise<Adder> {
  const connection = new Redis(url, { maxRetriesPerRequest: 1 });
  // BullMQ's default prefix: what a raw user gets.
  const queue = new Queue('payments', { connection });
  return {
    async one(i) {
      const id = ownIds ? { jobId: newJobId('payments') } : {};
      const job = await queue.add('charge', paymentInput(i), { delay: DELAY_MS, ...RAW_RETENTION, ...id });
      return `${queue.qualifiedName}:${job.id}`;
    },
    async close() {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    },
  };
}

async function backstopAdder(url: string): Promise<Adder> {
  // Backstop's default key prefix: what a user gets.
  const backstop = new Backstop({ redis: url, logger: silentLogger, circuit: false });
  // The producer never runs the chain: these only make it a valid one.
  for (const app of ['stripe-app', 'paypal-app']) backstop.handlers.register(app, 'charge', async () => ({}));
  await backstop.fallback.define({
    product: 'payments',
    tag: 'charge',
    name: 'charge',
    handler: (ctx) => {
      ctx.primary('stripe').app('stripe-app').action('charge');
      ctx.fallback('paypal').app('paypal-app').action('charge');
    },
  });
  const queue = await backstop.jobQueue('payments');
  return {
    async one(i) {
      const job = await backstop.fallback.dispatch({
        product: 'payments',
        tag: 'charge',
        env: 'prd',
        input: paymentInput(i),
        schedule: { delay: DELAY_MS },
      });
      return `${queue.qualifiedName}:${job.id}`;
    },
    async close() {
      await queue.obliterate({ force: true });
      await backstop.close();
    },
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
}
