import { ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from '../store/keys.js';
import type { HealthEvent } from './health-event.js';
import { readAllStates, readChangesSince, type StoredState } from './snapshot-reads.js';

/** How often the global sequence is compared with what pub/sub delivered (one GET). */
const CHECK_EVERY_MS = 1_000;

export interface SyncTarget {
  apply(event: HealthEvent): void;
  /** States written since a sequence number: newer versions kept, states gone forgotten. */
  changed(states: StoredState[]): void;
  /** Every state: newer versions kept (all taken when `reset`); states not listed forgotten. */
  load(states: StoredState[], reset: boolean): void;
}

/**
 * Keeps a snapshot in step with Redis: every state write is published with its number in a global
 * sequence, and recorded in a change log (member → the number of its last write). A message that
 * skips numbers, a sequence in Redis still ahead of what arrived one check later (a message lost
 * at the end), or a reconnect means something was missed: the process reads from the log only
 * the states written after the last number up to which it has everything, and those states. A
 * check is one GET, so it runs every second; while nothing is missed, nothing else is read.
 *
 * Every state is read only at start and when the log cannot answer: it is missing (lost, or not
 * yet written by this release), begins after what this process has, or the sequence went back
 * (Redis lost writes: a flush, a restart without persistence, a failover to a lagging replica;
 * then what Redis has replaces what this process had, versions included). There is no periodic
 * full reload: a write never published reaches the log in the same script, so the log is never
 * behind the sequence the checks compare against.
 */
export class SnapshotSync {
  /** Every write up to this number is known here (by message or read). */
  private complete = 0;
  /** Numbers received above `complete`, waiting for the ones before them. */
  private readonly ahead = new Set<number>();
  private suspect: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  /** Why a resync was asked for while one ran, if one was. */
  private again: string | undefined;
  private started = false;
  /** Messages that arrived while every state was being read: applied over what was read. */
  private during: HealthEvent[] | undefined;

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
      if (this.started) this.resync('reconnected');
    });
    await this.subscriber.subscribe(this.keys.healthEvents());
    await this.loadAll('start', false);
    this.started = true;
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    await this.syncing?.catch(() => undefined);
    this.subscriber.disconnect();
  }

  private receive(message: string): void {
    let event: HealthEvent;
    try {
      event = JSON.parse(message) as HealthEvent;
    } catch (error) {
      this.logger.warn(
        { code: ErrorCodes.VALIDATION, reason: (error as Error).message },
        'unreadable health event',
      );
      return;
    }
    this.during?.push(event);
    this.target.apply(event);
    if (event.seq <= this.complete) return;
    this.ahead.add(event.seq);
    this.advance(this.complete);
    if (this.started && this.complete < event.seq) this.resync('gap');
  }

  private async check(): Promise<void> {
    try {
      const seq = Number((await this.redis.get(this.keys.healthSeq())) ?? 0);
      if (seq < this.complete) this.resync('sequence went back');
      else if (seq === this.complete) this.suspect = undefined;
      // Ahead: a message may still be on its way; still behind that number one check later, it is lost.
      else if (this.suspect !== undefined && this.complete < this.suspect) this.resync('behind');
      else this.suspect = seq;
    } catch (error) {
      this.logger.warn(
        { code: ErrorCodes.REDIS_UNAVAILABLE, reason: (error as Error).message },
        'health snapshot check failed',
      );
    }
  }

  /** One resync at a time; one asked for meanwhile runs once after it. */
  private resync(reason: string): void {
    if (this.syncing) {
      this.again = reason;
      return;
    }
    this.syncing = this.catchUp(reason)
      .catch((error) =>
        this.logger.warn(
          { code: ErrorCodes.REDIS_UNAVAILABLE, reason: (error as Error).message },
          'health snapshot not resynchronised; the next check tries again',
        ),
      )
      .finally(() => {
        this.syncing = undefined;
        this.suspect = undefined;
        const again = this.again;
        this.again = undefined;
        // A gap the resync just read past needs no second one.
        if (again && this.started && (again !== 'gap' || this.ahead.size > 0)) this.resync(again);
      });
  }

  private async catchUp(reason: string): Promise<void> {
    const after = this.complete;
    const read = await readChangesSince(this.redis, this.keys, after);
    if ('unanswered' in read) {
      await this.loadAll(read.unanswered, read.unanswered === 'sequence went back');
      return;
    }
    this.target.changed(read.states);
    this.advance(read.seq);
    this.logger.debug(
      { reason, after, seq: read.seq, states: read.states.length },
      'health snapshot caught up',
    );
  }

  private async loadAll(reason: string, reset: boolean): Promise<void> {
    const during: HealthEvent[] = [];
    this.during = during;
    try {
      const { seq, states } = await readAllStates(this.redis, this.keys);
      this.target.load(states, reset);
      // A write published while the read was on its way is not lost (nor undone by the load).
      for (const event of during) this.target.apply(event);
      if (reset) {
        this.complete = seq;
        this.ahead.clear();
        for (const event of during) if (event.seq > seq) this.ahead.add(event.seq);
      }
      this.advance(seq);
      const line = { reason, seq, states: states.length };
      if (reason === 'start') this.logger.debug(line, 'health snapshot loaded in full');
      else this.logger.info(line, 'health snapshot loaded in full');
    } finally {
      if (this.during === during) this.during = undefined;
    }
  }

  /** Everything up to `seq` is known: moves on, through the numbers received after it. */
  private advance(seq: number): void {
    this.complete = Math.max(this.complete, seq);
    while (this.ahead.has(this.complete + 1)) this.complete++;
    for (const n of this.ahead) if (n <= this.complete) this.ahead.delete(n);
  }
}
