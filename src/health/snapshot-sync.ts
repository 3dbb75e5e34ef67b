import type { ProviderState } from '../core/health/provider-state.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from '../store/keys.js';
import type { HealthEvent } from './health-event.js';

/** How often the global sequence is compared with what pub/sub delivered (one GET). */
const CHECK_EVERY_MS = 1_000;
/** A full reload as a last resort, whatever the checks say. */
const RELOAD_EVERY_MS = 60_000;

export interface SyncTarget {
  apply(event: HealthEvent): void;
  load(states: { member: string; version: number; state: ProviderState }[]): void;
}

/**
 * Keeps a snapshot in step with Redis: every state write is published with its number in a global
 * sequence. A message that skips numbers, a sequence in Redis still ahead of what arrived one check
 * later (a message lost at the end), or a reconnect means something was missed: reload. A check is
 * one GET, so it can run every second; the reload reads every state (what an incremental resync,
 * reading only the states written since a sequence number, would replace).
 */
export class SnapshotSync {
  private highest = 0;
  private suspect: number | undefined;
  private timers: NodeJS.Timeout[] = [];
  private reloading: Promise<void> | undefined;
  private again = false;
  private started = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly keys: Keys,
    private readonly logger: Logger,
    private readonly target: SyncTarget,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    // After a reconnect the subscription is restored, but what was published meanwhile is lost.
    this.subscriber.on('ready', () => {
      if (this.started) this.reload();
    });
    await this.subscriber.subscribe(this.keys.healthEvents());
    await this.load();
    this.started = true;
    const check = setInterval(() => void this.check(), CHECK_EVERY_MS);
    const full = setInterval(() => this.reload(), RELOAD_EVERY_MS);
    check.unref();
    full.unref();
    this.timers = [check, full];
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    await this.reloading?.catch(() => undefined);
    this.subscriber.disconnect();
  }

  private receive(message: string): void {
    let event: HealthEvent;
    try {
      event = JSON.parse(message) as HealthEvent;
    } catch (error) {
      this.logger.warn({ err: error }, 'unreadable health event');
      return;
    }
    if (this.started && event.seq > this.highest + 1) this.reload();
    this.highest = Math.max(this.highest, event.seq);
    this.target.apply(event);
  }

  private async check(): Promise<void> {
    try {
      const seq = Number((await this.redis.get(this.keys.healthSeq())) ?? 0);
      if (seq <= this.highest) this.suspect = undefined;
      else if (this.suspect !== undefined && this.highest < this.suspect) this.reload();
      else this.suspect = seq;
    } catch (error) {
      this.logger.warn({ err: error }, 'health snapshot check failed');
    }
  }

  /** One reload at a time; a reload asked for meanwhile runs once after it. */
  private reload(): void {
    if (this.reloading) {
      this.again = true;
      return;
    }
    this.reloading = this.load()
      .catch((error) => this.logger.warn({ err: error }, 'health snapshot reload failed'))
      .finally(() => {
        this.reloading = undefined;
        this.suspect = undefined;
        if (this.again && this.started) {
          this.again = false;
          this.reload();
        }
      });
  }

  private async load(): Promise<void> {
    const [[, seq], [, members]] = (await this.redis
      .multi()
      .get(this.keys.healthSeq())
      .smembers(this.keys.healthIndex())
      .exec()) as [[unknown, string | null], [unknown, string[]]];
    const states: { member: string; version: number; state: ProviderState }[] = [];
    const pipeline = this.redis.pipeline();
    const listed = members.filter((m) => m.startsWith('state|'));
    for (const member of listed) {
      const [, product, env, key] = member.split('|') as [string, string, string, string];
      pipeline.hmget(this.keys.providerState(product, env, key), 'v', 's');
    }
    const results = listed.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    for (const [i, member] of listed.entries()) {
      const [v, s] = (results[i]?.[1] ?? []) as (string | null)[];
      if (v && s) states.push({ member, version: Number(v), state: JSON.parse(s) as ProviderState });
    }
    this.highest = Math.max(this.highest, Number(seq ?? 0));
    this.target.load(states);
  }
}
