import { ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { addHashCounts } from '../redis/hash-counts.js';
import { groupBySlot } from '../redis/slot-groups.js';
import type { RedisStores } from './redis-stores.js';

/** How often counted uses go to Redis: often enough for status, far from once a run. */
export const QUOTA_USES_FLUSH_MS = 500;

/**
 * How many runs each provider of a quota served, summed across every process in Redis (a hash
 * per quota and env). Counted in memory and written in one script call every flush interval (the
 * hashes share the prefix's slot), so a quota run costs no Redis round trip; `read` writes this
 * process's pending counts first. A script, not a pipeline: ioredis copies every script defined
 * on the connection (BullMQ's dozens) into each pipeline it makes.
 */
export class QuotaUses {
  /** Hash key → provider → count not yet written. */
  private pending = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly stores: RedisStores,
    private readonly logger: Logger,
    private readonly flushMs = QUOTA_USES_FLUSH_MS,
  ) {
    stores.hook(
      async () => {},
      async () => {
        await this.flush();
        this.closed = true;
      },
    );
  }

  add(product: string, env: string, tag: string, provider: string, n = 1): void {
    const key = `${product}\u0000${env}\u0000${tag}`;
    let counts = this.pending.get(key);
    if (!counts) {
      counts = new Map();
      this.pending.set(key, counts);
    }
    counts.set(provider, (counts.get(provider) ?? 0) + n);
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Every provider's uses of one quota in one env, this process's pending ones included. */
  async read(product: string, env: string, tag: string): Promise<Record<string, number>> {
    const { redis, keys } = await this.stores.get();
    await this.flush();
    const raw = await redis.hgetall(keys.quotaUses(product, env, tag));
    return Object.fromEntries(Object.entries(raw).map(([provider, n]) => [provider, Number(n)]));
  }

  /** Forgets the uses of one quota in one env (counting starts again, as after a change of weights). */
  async reset(product: string, env: string, tag: string): Promise<void> {
    this.pending.delete(`${product}\u0000${env}\u0000${tag}`);
    const { redis, keys } = await this.stores.get();
    await redis.del(keys.quotaUses(product, env, tag));
  }

  /**
   * Writes the pending counts; a failure is logged once and the counts are kept for the next try.
   * A process that has not connected to Redis keeps them until it does (the next count or `read`
   * writes them): counting alone never opens a connection, nor starts an embedded server.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.size === 0 || !this.stores.connected) return this.writing;
    this.pending = new Map();
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  /** Each slot's hashes in one script call; a group that fails is kept, the others are written. */
  private async write(batch: Map<string, Map<string, number>>): Promise<void> {
    let unwritten = batch;
    try {
      const { redis, keys } = await this.stores.get();
      const hashOf = (key: string) => keys.quotaUses(...(key.split('\u0000') as [string, string, string]));
      const groups = groupBySlot(redis, batch, ([key]) => hashOf(key));
      const results = await Promise.allSettled(
        groups.map((group) =>
          addHashCounts(
            redis,
            group.map(([key, counts]) => [hashOf(key), counts] as const),
          ),
        ),
      );
      unwritten = new Map(groups.filter((_, i) => results[i]?.status === 'rejected').flat());
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      // Kept for the next flush: a short Redis outage loses no counts.
      for (const [key, counts] of unwritten)
        for (const [provider, n] of counts) {
          const [product, env, tag] = key.split('\u0000') as [string, string, string];
          this.add(product, env, tag, provider, n);
        }
      this.logger.warn(
        { code: ErrorCodes.REDIS_UNAVAILABLE, reason: (error as Error).message },
        'quota uses not written; kept for the next flush',
      );
    }
  }
}
