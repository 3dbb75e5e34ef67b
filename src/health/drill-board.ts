import { randomUUID } from 'node:crypto';
import type { ProviderSpec } from '../core/chain.js';
import type { Clock } from '../core/clock.js';
import type { Defaults } from '../core/defaults.js';
import {
  type Drill,
  type DrillRequest,
  type DrillView,
  drillCovers,
  drillRequestSchema,
} from '../core/drill.js';
import { ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Broadcast } from '../store/broadcast.js';
import type { RedisStores, Stores } from '../store/redis-stores.js';

/** A drill message: one started, or one cancelled. */
type DrillMessage = { start: Drill } | { cancel: string };

/** A safety net under pub/sub: a lost message is made good within this time. */
const RELOAD_EVERY_MS = 5_000;

/**
 * Failover drills in Redis (a hash: id → drill), seen by every connected process: each keeps the
 * drills in memory, told of a new or cancelled one by pub/sub (the message carries it, so it
 * applies at once), reloaded after a reconnect and every few seconds. Runs read the local copy,
 * with no round trip; a drill ends by itself at its end time, everywhere, and its entry is
 * dropped from Redis the next time drills are listed or started.
 */
export class DrillBoard implements DrillView {
  private drills = new Map<string, Drill>();
  private timer: NodeJS.Timeout | undefined;
  /** Messages that arrived while a reload was reading Redis: replayed over what it read. */
  private during: DrillMessage[] | undefined;

  constructor(
    private readonly stores: RedisStores,
    broadcast: Broadcast,
    private readonly clock: Clock,
    private readonly defaults: Defaults,
    private readonly logger: Logger,
  ) {
    broadcast.on(
      (s) => s.keys.drillEvents(),
      (message) => this.receive(message),
    );
    broadcast.onReconnect(() => void this.stores.get().then((s) => this.reload(s.redis, s)));
    stores.hook(
      (s) => this.connect(s),
      async () => {
        if (this.timer) clearInterval(this.timer);
      },
    );
  }

  find(product: string, env: string, provider: ProviderSpec, now: number): Drill | undefined {
    if (this.drills.size === 0) return undefined;
    for (const drill of this.drills.values())
      if (drillCovers(drill, product, env, provider, now)) return drill;
    return undefined;
  }

  /** Starts a drill for `duration` ms, in every process; answers it with its id and end time. */
  async start(request: DrillRequest): Promise<Drill> {
    const parsed = parseOrThrow(drillRequestSchema, request, 'invalid drill');
    const { redis, keys } = await this.stores.get();
    const now = this.clock.now();
    const drill: Drill = {
      id: randomUUID(),
      product: this.defaults.requireProduct(parsed.product),
      env: this.defaults.requireEnv(parsed.env),
      ...(parsed.tag ? { tag: parsed.tag } : { provider: parsed.provider }),
      mode: parsed.mode,
      ...(parsed.rate === undefined ? {} : { rate: parsed.rate }),
      ...(parsed.latencyMs === undefined ? {} : { latencyMs: parsed.latencyMs }),
      startedAt: now,
      endsAt: now + parsed.duration,
    };
    await redis.hset(keys.drills(), drill.id, JSON.stringify(drill));
    this.drills.set(drill.id, drill);
    await redis.publish(keys.drillEvents(), JSON.stringify({ start: drill } satisfies DrillMessage));
    this.logger.warn(
      { drill: drill.id, mode: drill.mode, tag: drill.tag, provider: drill.provider, env: drill.env },
      'failover drill started',
    );
    await this.prune(redis);
    return drill;
  }

  /** The drills in force (of one product when given), ending soonest first. */
  async list(product?: string): Promise<Drill[]> {
    const { redis } = await this.stores.get();
    const live = await this.prune(redis);
    return live.filter((d) => !product || d.product === product).sort((a, b) => a.endsAt - b.endsAt);
  }

  /** Ends a drill now, everywhere; false when there is no such drill in force. */
  async cancel(id: string): Promise<boolean> {
    const { redis, keys } = await this.stores.get();
    const removed = await redis.hdel(keys.drills(), id);
    this.drills.delete(id);
    await redis.publish(keys.drillEvents(), JSON.stringify({ cancel: id } satisfies DrillMessage));
    if (removed > 0) this.logger.warn({ drill: id }, 'failover drill cancelled');
    return removed > 0;
  }

  private async connect(stores: Stores): Promise<void> {
    await this.reload(stores.redis, stores);
    this.timer = setInterval(() => void this.reload(stores.redis, stores), RELOAD_EVERY_MS);
    this.timer.unref();
  }

  private receive(message: string): void {
    try {
      const parsed = JSON.parse(message) as DrillMessage;
      this.during?.push(parsed);
      this.apply(parsed);
    } catch (error) {
      this.logger.warn(
        { code: ErrorCodes.VALIDATION, reason: (error as Error).message },
        'unreadable drill message',
      );
    }
  }

  private apply(message: DrillMessage): void {
    if ('start' in message) this.drills.set(message.start.id, message.start);
    else this.drills.delete(message.cancel);
  }

  private async reload(redis: RedisClient, stores: Stores): Promise<void> {
    const during: DrillMessage[] = [];
    this.during = during;
    try {
      const raw = await redis.hgetall(stores.keys.drills());
      const now = this.clock.now();
      this.drills = new Map(
        Object.values(raw)
          .map((json) => JSON.parse(json) as Drill)
          .filter((d) => d.endsAt > now)
          .map((d) => [d.id, d]),
      );
      // A drill started (or cancelled) while the read was on its way is not lost.
      for (const message of during) this.apply(message);
    } catch (error) {
      this.logger.warn(
        { code: ErrorCodes.REDIS_UNAVAILABLE, reason: (error as Error).message },
        'drills not reloaded; keeping the ones known',
      );
    } finally {
      if (this.during === during) this.during = undefined;
    }
  }

  /** Drops ended drills from Redis and from here; returns the ones in force. */
  private async prune(redis: RedisClient): Promise<Drill[]> {
    const stores = await this.stores.get();
    const raw = await redis.hgetall(stores.keys.drills());
    const now = this.clock.now();
    const live: Drill[] = [];
    const ended: string[] = [];
    for (const [id, json] of Object.entries(raw)) {
      const drill = JSON.parse(json) as Drill;
      if (drill.endsAt > now) live.push(drill);
      else ended.push(id);
    }
    if (ended.length > 0) await redis.hdel(stores.keys.drills(), ...ended);
    this.drills = new Map(live.map((d) => [d.id, d]));
    return live;
  }
}
