import type { Clock } from '../core/clock.js';
import { type PhaseView, phaseAt } from '../core/health/phase.js';
import { ejectionAt, type ProviderState, type VersionedState } from '../core/health/provider-state.js';
import { ShareGate } from '../core/health/share-gate.js';
import type { HealthKey } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from '../store/keys.js';
import { type HealthEvent, parseIndexMember, snapshotKey } from './health-event.js';
import type { StoredState } from './snapshot-reads.js';
import { SnapshotSync } from './snapshot-sync.js';
import type { TrialGate } from './trial-gate.js';

/** Told of every phase change: a write seen, or time ending an ejection, a cool-down or a ramp. */
export type PhaseListener = (
  key: HealthKey,
  phase: PhaseView,
  state: ProviderState,
  before: PhaseView | undefined,
) => void;

interface Entry {
  key: HealthKey;
  current: VersionedState;
  /** The phase last reported, to tell listeners only of changes. */
  phase: PhaseView;
  ramp: ShareGate | undefined;
  cancelTimer: (() => void) | undefined;
}

/**
 * This process's copy of every provider's state, kept current by pub/sub (and resynchronised when a
 * message was missed, see snapshot-sync.ts), so deciding whether to call a provider never waits on
 * Redis. A state is replaced only by a newer version.
 */
export class HealthSnapshot {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<PhaseListener>();
  private readonly stateListeners = new Set<(key: HealthKey) => void>();
  private sync: SnapshotSync | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly trials: TrialGate,
    private readonly logger: Logger,
  ) {}

  onPhase(listener: PhaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Told of every newer state kept, phase change or not. */
  onState(listener: (key: HealthKey) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The stored state and its version, or undefined when nothing was ever written. */
  get(key: HealthKey): VersionedState | undefined {
    return this.entries.get(snapshotKey(key.product, key.env, key.healthcheck))?.current;
  }

  /** The phase now, or undefined for a provider nothing is known of. */
  phase(key: HealthKey): PhaseView | undefined {
    const entry = this.entries.get(snapshotKey(key.product, key.env, key.healthcheck));
    return entry && phaseAt(entry.current.state, this.clock.now());
  }

  /**
   * Whether a run may call the provider: always in rotation; never while ejected or cooling; while
   * ramping, the growing share; on trial, only with a trial call claimed from the shared budget.
   */
  admit(key: HealthKey): boolean {
    const id = snapshotKey(key.product, key.env, key.healthcheck);
    const entry = this.entries.get(id);
    if (!entry) return true;
    const view = phaseAt(entry.current.state, this.clock.now());
    switch (view.phase) {
      case 'healthy':
      case 'unknown':
        return true;
      case 'ramping':
        if (entry.ramp?.since !== view.since) entry.ramp = new ShareGate(view.since!);
        return entry.ramp.admit(view.share);
      case 'trial': {
        const e = ejectionAt(entry.current.state, this.clock.now())!;
        return this.trials.admit(id, key, e.at, e.trialCalls);
      }
      default:
        this.trials.demand(id);
        return false;
    }
  }

  /** Every provider this process knows of, with its phase now (for metrics and listings). */
  list(): { key: HealthKey; phase: PhaseView }[] {
    const now = this.clock.now();
    return [...this.entries.values()].map((e) => ({ key: e.key, phase: phaseAt(e.current.state, now) }));
  }

  /** A state read or written: kept if newer than ours; listeners hear of a phase change. */
  apply(event: HealthEvent): void {
    this.put({ product: event.product, env: event.env, healthcheck: event.key }, event.seq, event.state);
  }

  /** Keeps `state` if newer than ours (whatever ours is when `force`: Redis lost the newer one). */
  put(key: HealthKey, version: number, state: ProviderState, force = false): void {
    const id = snapshotKey(key.product, key.env, key.healthcheck);
    const entry = this.entries.get(id);
    if (entry && (force ? entry.current.version === version : entry.current.version >= version)) return;
    const current = { version, state };
    if (entry) entry.current = current;
    else
      this.entries.set(id, {
        key,
        current,
        phase: phaseAt(state, this.clock.now()),
        ramp: undefined,
        cancelTimer: undefined,
      });
    this.review(id, entry?.phase);
    for (const listener of this.stateListeners) listener(key);
  }

  /** Loads every state, then follows changes. `subscriber` is a connection of its own. */
  async start(redis: RedisClient, subscriber: RedisClient, keys: Keys): Promise<void> {
    this.sync = new SnapshotSync(redis, subscriber, keys, this.logger, {
      apply: (event) => this.apply(event),
      changed: (states) => this.changed(states),
      load: (states, reset) => this.load(states, reset),
    });
    await this.sync.start();
  }

  async stop(): Promise<void> {
    await this.sync?.stop();
    for (const entry of this.entries.values()) entry.cancelTimer?.();
  }

  /**
   * A full load: newer versions replace ours (every version when `reset`: Redis lost writes, and
   * ours may be numbers it will give again); states gone from Redis are forgotten.
   */
  private load(states: StoredState[], reset: boolean): void {
    const seen = new Set<string>();
    for (const { member, version, state } of states) {
      const parts = parseIndexMember(member);
      if (!parts || !state) continue;
      seen.add(snapshotKey(parts.product, parts.env, parts.key));
      this.put({ product: parts.product, env: parts.env, healthcheck: parts.key }, version, state, reset);
    }
    for (const id of this.entries.keys()) if (!seen.has(id)) this.forget(id);
  }

  /** States written since a sequence number: newer versions kept, states gone from Redis forgotten. */
  private changed(states: StoredState[]): void {
    for (const { member, version, state } of states) {
      const parts = parseIndexMember(member);
      if (!parts) continue;
      const key = { product: parts.product, env: parts.env, healthcheck: parts.key };
      if (state) this.put(key, version, state);
      else {
        // Gone (expired) after its last logged write; a newer write seen meanwhile stays.
        const id = snapshotKey(parts.product, parts.env, parts.key);
        if ((this.entries.get(id)?.current.version ?? 0) <= version) this.forget(id);
      }
    }
  }

  private forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.cancelTimer?.();
    this.entries.delete(id);
    this.trials.ended(id);
  }

  /** Reports a phase change and arms a timer for the next change that time alone brings. */
  private review(id: string, before: PhaseView | undefined): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const now = this.clock.now();
    const view = phaseAt(entry.current.state, now);
    // A provider first seen in rotation is no news (a process starting, a first probe passing).
    const changed = before
      ? before.phase !== view.phase || before.reason !== view.reason || before.since !== view.since
      : view.phase !== 'healthy' && view.phase !== 'unknown';
    entry.phase = view;
    if (view.phase !== 'trial') this.trials.ended(id);
    else if (changed) {
      const e = ejectionAt(entry.current.state, now)!;
      this.trials.started(id, entry.key, e.at, e.trialCalls);
    }
    if (changed)
      for (const listener of this.listeners) listener(entry.key, view, entry.current.state, before);
    entry.cancelTimer?.();
    entry.cancelTimer = undefined;
    // The next change time alone brings: the phase's end, or a pending ejection taking effect.
    const pendingAt = entry.current.state.pending?.ejection.at;
    const next = Math.min(
      view.until ?? Number.POSITIVE_INFINITY,
      pendingAt !== undefined && pendingAt > now ? pendingAt : Number.POSITIVE_INFINITY,
    );
    if (Number.isFinite(next))
      entry.cancelTimer = this.clock.setTimer(next - now, () => this.review(id, entry.phase));
  }
}
