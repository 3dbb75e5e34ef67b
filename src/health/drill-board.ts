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
import { drillWrites } from './drill-writes.js';

/**
 * A drill message: one started, or one cancelled, with the drills version the change made (absent
 * from older releases' messages).
 */
type DrillMessage = ({ start: Drill } | { cancel: string }) & { version?: number };

/** A safety net under pub/sub: a lost message is made good within this time, for one GET. */
const CHECK_EVERY_MS = 5_000;

/**
 * Failover drills in Redis (a hash: id → drill), seen by every connected process: each keeps the
 * drills in memory, told of a new or cancelled one by pub/sub (the message carries it, so it
 * applies at once). Every change also counts up a drills version; each process compares it with
 * the version it has every few seconds and after a reconnect (one GET), and reads the drills again
 * only when it moved without a message saying how. Runs read the local copy, with no round trip; a
 * drill ends by itself at its end time, everywhere, and its entry is dropped from Redis the next
 * time drills are listed or started. Changes are scripts applied once (drill-writes.ts); reloads
 * are MULTIs, rare enough that what ioredis spends making one (copying the connection's scripts)
 * does not count.
 */
export class DrillBoard implements DrillView {
  private drills = new Map<string, Drill>();
  /** The drills version what this process has matches; undefined before the first read. */
  private version: number | undefined;
  private checking = false;
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
    broadcast.onReconnect(() => void this.stores.get().then((s) => this.check(s)));
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
    const version = await drillWrites.put(redis, keys, drill.id, JSON.stringify(drill));
    this.apply({ start: drill, version });
    await redis.publish(keys.drillEvents(), JSON.stringify({ start: drill, version } satisfies DrillMessage));
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
    const { removed, version } = await drillWrites.remove(redis, keys, [id]);
    this.apply({ cancel: id, version });
    await redis.publish(keys.drillEvents(), JSON.stringify({ cancel: id, version } satisfies DrillMessage));
    if (removed > 0) this.logger.warn({ drill: id }, 'failover drill cancelled');
    return removed > 0;
  }

  private async connect(stores: Stores): Promise<void> {
    await this.reload(stores.redis, stores);
    this.timer = setInterval(() => void this.check(stores), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Drops drills that ended here; reads them again only if the drills version moved unseen. */
  private async check(stores: Stores): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = this.clock.now();
      for (const [id, drill] of this.drills) if (drill.endsAt <= now) this.drills.delete(id);
      const version = Number((await stores.redis.get(stores.keys.drillsVersion())) ?? 0);
      if (version !== this.version) await this.reload(stores.redis, stores);
    } catch (error) {
      this.logger.warn(
        { code: ErrorCodes.REDIS_UNAVAILABLE, reason: (error as Error).message },
        'drills not checked; keeping the ones known',
      );
    } finally {
      this.checking = false;
    }
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
    // The next change after the one we have: we have this one too. Any other, the check reads.
    if (message.version !== undefined && this.version !== undefined && message.version === this.version + 1)
      this.version = message.version;
  }

  private async reload(redis: RedisClient, stores: Stores): Promise<void> {
    const during: DrillMessage[] = [];
    this.during = during;
    try {
      const [[, version], [, raw]] = (await redis
        .multi()
        .get(stores.keys.drillsVersion())
        .hgetall(stores.keys.drills())
        .exec()) as [[unknown, string | null], [unknown, Record<string, string>]];
      const now = this.clock.now();
      this.drills = new Map(
        Object.values(raw)
          .map((json) => JSON.parse(json) as Drill)
          .filter((d) => d.endsAt > now)
          .map((d) => [d.id, d]),
      );
      this.version = Number(version ?? 0);
      this.logger.debug({ version: this.version, drills: this.drills.size }, 'drills read');
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
    const { keys } = await this.stores.get();
    const [[, known], [, raw]] = (await redis
      .multi()
      .get(keys.drillsVersion())
      .hgetall(keys.drills())
      .exec()) as [[unknown, string | null], [unknown, Record<string, string>]];
    const now = this.clock.now();
    const live: Drill[] = [];
    const ended: string[] = [];
    for (const [id, json] of Object.entries(raw)) {
      const drill = JSON.parse(json) as Drill;
      if (drill.endsAt > now) live.push(drill);
      else ended.push(id);
    }
    let version = Number(known ?? 0);
    if (ended.length > 0) {
      const { version: counted } = await drillWrites.remove(redis, keys, ended);
      // Another change in between: the next check reads the drills again.
      version = counted === version + 1 ? counted : -1;
    }
    this.drills = new Map(live.map((d) => [d.id, d]));
    this.version = version;
    return live;
  }
}
