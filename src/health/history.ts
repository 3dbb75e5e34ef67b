import { bucketOf, LATENCY_BOUNDS_MS, quantile } from '../core/health/latency-histogram.js';
import type { CallOutcome } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import { addHashCounts } from '../redis/hash-counts.js';
import type { RedisClient } from '../redis/redis-client.js';
import { groupBySlot } from '../redis/slot-groups.js';
import { TroubleSpell } from '../redis/trouble-spell.js';
import type { Keys } from '../store/keys.js';

export interface HistoryOptions {
  /** Width of a time bucket. */
  bucketMs: number;
  /** How long buckets are kept. */
  retentionMs: number;
  /** How often this process writes what it counted. */
  flushMs: number;
}

export const DEFAULT_HISTORY: HistoryOptions = {
  bucketMs: 60_000,
  retentionMs: 7 * 24 * 3_600_000,
  flushMs: 1_000,
};

/** One time bucket of one provider: counts and latency percentiles (bucket upper bounds, ms). */
export interface HistoryBucket {
  start: string;
  success: number;
  failure: number;
  skipped: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * Historical performance, per product, env and provider, in time buckets kept for a
 * retention period. Counted in memory and written once a second in one script call (the buckets
 * share the health area's slot), so runs never wait on it. A script, not a pipeline: this is the
 * connection BullMQ defines its scripts on, and ioredis copies them all into every pipeline.
 */
export class HistoryRecorder {
  private pending = new Map<string, Map<string, number>>();
  private readonly spell: TroubleSpell;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly options: HistoryOptions,
    logger: Logger,
    private readonly now: () => number,
  ) {
    this.spell = new TroubleSpell({
      logger,
      code: 'BACKSTOP_HISTORY_FAILED',
      message: 'writing provider history failed; these counts are lost',
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  add(product: string, env: string, outcome: CallOutcome): void {
    const now = this.now(); // read once: two reads can straddle a millisecond and misalign the bucket
    const start = now - (now % this.options.bucketMs);
    const key = this.keys.history(product, env, outcome.provider, start);
    let fields = this.pending.get(key);
    if (!fields) {
      fields = new Map();
      this.pending.set(key, fields);
    }
    const count = outcome.kind === 'rejected' ? 'failure' : outcome.kind;
    fields.set(count, (fields.get(count) ?? 0) + 1);
    if (outcome.kind !== 'skipped') {
      const field = `l${bucketOf(outcome.latencyMs)}`;
      fields.set(field, (fields.get(field) ?? 0) + 1);
    }
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const expireMs = this.options.retentionMs + this.options.bucketMs;
    try {
      await Promise.all(
        groupBySlot(this.redis, batch, ([key]) => key).map((hashes) =>
          addHashCounts(this.redis, hashes, expireMs),
        ),
      );
      this.spell.ok();
    } catch (error) {
      // Once per spell of trouble (Redis away fails every flush, once a second).
      this.spell.failed(error);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Buckets of one provider from `from` to `to` (ms since epoch), oldest first; empty ones left out. */
  async read(
    product: string,
    env: string,
    provider: string,
    from: number,
    to: number,
  ): Promise<HistoryBucket[]> {
    const first = from - (from % this.options.bucketMs);
    const starts: number[] = [];
    for (let t = first; t <= to && starts.length < 10_000; t += this.options.bucketMs) starts.push(t);
    // A pipeline, not a script: up to 10,000 reads would hold Redis in one script call, while a
    // pipeline lets workers' commands in between; its set-up cost is nothing to a dashboard read.
    const pipeline = this.redis.pipeline();
    for (const start of starts) pipeline.hgetall(this.keys.history(product, env, provider, start));
    const results = (await pipeline.exec()) ?? [];
    const buckets: HistoryBucket[] = [];
    for (const [i, start] of starts.entries()) {
      const hash = (results[i]?.[1] ?? {}) as Record<string, string>;
      if (Object.keys(hash).length === 0) continue;
      const counts = [...LATENCY_BOUNDS_MS, Number.POSITIVE_INFINITY].map((_, b) =>
        Number(hash[`l${b}`] ?? 0),
      );
      buckets.push({
        start: new Date(start).toISOString(),
        success: Number(hash.success ?? 0),
        failure: Number(hash.failure ?? 0),
        skipped: Number(hash.skipped ?? 0),
        p50: quantile(counts, 0.5),
        p95: quantile(counts, 0.95),
        p99: quantile(counts, 0.99),
      });
    }
    return buckets;
  }
}
