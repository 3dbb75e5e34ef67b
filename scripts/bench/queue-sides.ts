import { randomUUID } from 'node:crypto';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Backstop } from '../../src/backstop.js';
import { silentLogger } from '../../src/core/logger.js';
import { ProviderError } from '../../src/core/provider-errors.js';
import type { TargetContext } from '../../src/core/target.js';
import { JOB_QUEUE, type JobData } from '../../src/queue/job-data.js';
import { DEFAULT_RETENTION, defaultJobOptions } from '../../src/queue/job-options.js';
import { WORKER_DEFAULTS } from '../../src/queue/job-worker.js';
import { Keys } from '../../src/store/keys.js';

/**
 * The two sides of every queue measurement. Backstop: a `Backstop` on its own prefix with a
 * two-provider chain over in-process handlers, in one of two forms. Raw: a BullMQ `Queue` / `Worker`
 * on the same queue name, with the job options and worker settings Backstop uses.
 */
export type ChainForm = 'code' | 'stored';

export const PRODUCT = 'bench';
export const ENV = 'prd';
export const TAG = 'pay';
export const INPUT = { amount: 100, currency: 'usd' };

export const FORMS: readonly ChainForm[] = ['code', 'stored'];
export const RAW = 'raw bullmq';
export const FORM_LABELS: Record<ChainForm, string> = {
  code: 'backstop (code-first)',
  stored: 'backstop (stored)',
};
/** Raw BullMQ doing by hand what the chain does: shown beside the worker table, not judged. */
export const BY_HAND = 'raw bullmq, by hand';
/** Every side, raw first: the column order of the tables. */
export const SIDES: readonly string[] = [RAW, ...FORMS.map((f) => FORM_LABELS[f])];

/** Provider calls made, to check each side walks the path a scenario means. */
export interface Calls {
  primary: number;
  fallback: number;
}

export interface BackstopSide {
  backstop: Backstop;
  calls: Calls;
  close(): Promise<void>;
}

export interface SideOptions {
  /** The primary throws a non-retryable ProviderError, so the fallback serves. */
  primaryFails?: boolean;
  /** Called with the job id when a job's first provider is entered (lateness). */
  onStart?: (jobId: string) => void;
  /** `new Backstop({ metrics })`: record runs for /metrics (default true, as users get it). */
  metrics?: boolean;
  /** `new Backstop({ recentRuns: false })` when false: no run kept for the runs view (default on). */
  recentRuns?: boolean;
}

/**
 * `code`: `fallback.define` with `ctx.primary('a').handler(fn)` and `ctx.fallback('b').handler(fn)`,
 * held in this process. `stored`: `fallback.create` (declarative options, kept in Redis) whose two app
 * actions are served by `handlers.register` functions: a worker resolves it with one HGET per job.
 */
export async function backstopSide(
  url: string,
  prefix: string,
  form: ChainForm,
  options: SideOptions = {},
): Promise<BackstopSide> {
  const backstop = new Backstop({
    redis: url,
    prefix,
    product: PRODUCT,
    env: ENV,
    logger: silentLogger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.recentRuns === false ? { recentRuns: false as const } : {}),
  });
  const calls: Calls = { primary: 0, fallback: 0 };
  const { onStart, primaryFails } = options;
  const primary = async (_request: unknown, ctx: TargetContext) => {
    calls.primary++;
    onStart?.(ctx.runId);
    if (primaryFails) throw new ProviderError('down', { retryable: false });
    return { id: 'a-1' };
  };
  const fallback = async () => {
    calls.fallback++;
    return { id: 'b-1' };
  };
  if (form === 'code') {
    await backstop.fallback.define({
      tag: TAG,
      name: 'bench pay',
      handler: (ctx) => {
        ctx.primary('a').handler(primary);
        ctx.fallback('b').handler(fallback);
      },
    });
  } else {
    backstop.handlers.register('bench-app', 'primary', primary);
    backstop.handlers.register('bench-app', 'fallback', fallback);
    await backstop.fallback.create({
      name: 'bench pay',
      tag: TAG,
      options: [
        { type: 'action', app: 'bench-app', event: 'primary', provider: 'a', retries: 0 },
        { type: 'action', app: 'bench-app', event: 'fallback', provider: 'b' },
      ],
    });
  }
  return { backstop, calls, close: () => backstop.close() };
}

/**
 * `backstop.worker({ concurrency })` as users start it (its idle healthcheck worker included); the
 * handle's `close()` stops it (the Backstop's close would too).
 */
export function backstopWorker(side: BackstopSide, concurrency: number): Promise<{ close(): Promise<void> }> {
  return side.backstop.worker({ concurrency });
}

export interface RawSide {
  queue: Queue;
  close(): Promise<void>;
}

/** A BullMQ Queue on its own connection, with Backstop's default job options (attempts, backoff, retention). */
export function rawSide(url: string, prefix: string): RawSide {
  const connection = new Redis(url, { maxRetriesPerRequest: 1 });
  connection.on('error', () => {});
  const queue = new Queue(JOB_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: defaultJobOptions(),
  });
  return {
    queue,
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** The same payload a Backstop dispatch stores, built without validation. */
export function rawData(runAt?: number): JobData {
  const now = Date.now();
  return {
    v: 1,
    product: PRODUCT,
    tag: TAG,
    env: ENV,
    input: { ...INPUT },
    idempotencyKey: randomUUID(),
    dispatchedAt: now,
    runAt: runAt ?? now,
  };
}

/**
 * A raw BullMQ processor doing by hand what the bench's chain does: calls the primary and, when
 * it throws (a ProviderError, as Backstop's side's primary does), the fallback; returns a result
 * of the shape and size Backstop's jobs return (run id, provider, its result, a record per call).
 */
export function byHandProcessor(primaryFails: boolean): (job: Job<JobData>) => Promise<unknown> {
  const call = async (provider: string) => {
    if (primaryFails && provider === 'a') throw new ProviderError('down', { retryable: false });
    return { id: `${provider}-1` };
  };
  return async (job) => {
    const key = job.data.idempotencyKey;
    const attempts: Record<string, unknown>[] = [];
    for (const provider of ['a', 'b']) {
      const startedAt = Date.now();
      const attempt = { provider, attempt: 1, startedAt: new Date(startedAt).toISOString() };
      try {
        const result = await call(provider);
        const durationMs = Date.now() - startedAt;
        attempts.push({ ...attempt, durationMs, outcome: 'success', idempotencyKey: `${key}:${provider}` });
        return { runId: job.id, provider, result: { ...result, provider }, attempts };
      } catch (error) {
        const { code, message } = error as ProviderError;
        const failed = { code, message, verdict: 'failover' };
        const durationMs = Date.now() - startedAt;
        attempts.push({
          ...attempt,
          durationMs,
          outcome: 'failure',
          idempotencyKey: `${key}:${provider}`,
          error: failed,
        });
      }
    }
    throw new Error('every provider failed');
  };
}

/** A raw BullMQ Worker with Backstop's worker settings (lock, stalled interval, retention). */
export function rawWorker(
  url: string,
  prefix: string,
  concurrency: number,
  processor: (job: Job<JobData>) => Promise<unknown>,
): { worker: Worker; close(): Promise<void> } {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const worker = new Worker(JOB_QUEUE, processor, {
    connection,
    prefix,
    concurrency,
    lockDuration: WORKER_DEFAULTS.lockDurationMs,
    stalledInterval: WORKER_DEFAULTS.stalledIntervalMs,
    removeOnComplete: { age: DEFAULT_RETENTION.completedAge, count: DEFAULT_RETENTION.completedCount },
    removeOnFail: { age: DEFAULT_RETENTION.failedAge, count: DEFAULT_RETENTION.failedCount },
  });
  worker.on('error', () => {});
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

/**
 * Where a side's job hashes live: raw BullMQ's queue under the plain prefix, or Backstop's named
 * queue of the bench product under its own hash tag (`{prefix:jobs:bench}:bench`).
 */
export async function jobKeyBase(redis: Redis, prefix: string): Promise<string> {
  const raw = `${prefix}:${JOB_QUEUE}`;
  if ((await redis.exists(`${raw}:meta`, `${raw}:id`)) > 0) return raw;
  return `${new Keys(prefix).jobQueuePrefix(PRODUCT)}:${PRODUCT}`;
}

/** Jobs queued per bulk call when a drain's queue is filled. */
const PREQUEUE_CHUNK = 500;

/** Fills a Backstop side's queue with `count` jobs of the bench's chain, a bulk dispatch at a time. */
export async function prequeueBackstop(backstop: Backstop, count: number): Promise<void> {
  for (let done = 0; done < count; done += PREQUEUE_CHUNK) {
    const size = Math.min(PREQUEUE_CHUNK, count - done);
    await backstop.fallback.dispatchBulk(
      Array.from({ length: size }, () => ({ tag: TAG, input: { ...INPUT } })),
    );
  }
}

/** Fills a raw BullMQ queue with `count` jobs of the same data, an `addBulk` at a time. */
export async function prequeueRaw(queue: Queue, count: number): Promise<void> {
  for (let done = 0; done < count; done += PREQUEUE_CHUNK) {
    const size = Math.min(PREQUEUE_CHUNK, count - done);
    await queue.addBulk(Array.from({ length: size }, () => ({ name: TAG, data: rawData() })));
  }
}
