import type { Clock } from '../core/clock.js';
import { applyLiveAll } from '../core/health/apply-live.js';
import {
  type HealthPolicy,
  type HealthPolicyInput,
  resolvePolicy,
  watchesLiveTraffic,
} from '../core/health/health-policy.js';
import { failureWeight, type LiveSignal, signalOf, slowThreshold } from '../core/health/live-signal.js';
import { bucketWidth, windowTotals } from '../core/health/outcome-window.js';
import type { CallOutcome, HealthKey, InFlightCall } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import { codeOf } from '../redis/redis-errors.js';
import { snapshotKey } from './health-event.js';
import type { HealthSnapshot } from './health-snapshot.js';
import { InFlightCalls, type TrackedCall } from './in-flight.js';
import type { ProviderStateStore } from './provider-state-store.js';

/** Weight of the newest success in a provider's latency baseline (this process's own). */
const BASELINE_ALPHA = 0.05;
/** Successes before the baseline is trusted to call a call slow. */
const BASELINE_SAMPLES = 20;

interface Live {
  key: HealthKey;
  /** Signals waiting for the next write, in order. */
  pending: LiveSignal[];
  /**
   * Successes not worth a write yet, per window bucket (older ones fall out of the window anyway):
   * sent with the next write, or as soon as they matter.
   */
  held: Map<number, Extract<LiveSignal, { kind: 'success' }>>;
  baselineMs: number | null;
  samples: number;
  writing: boolean;
}

/**
 * Turns this process's live outcomes into writes of the shared state (core/health/apply-live.ts is
 * the rule, applied by compare-and-set). Failures are written at once, batched while a write is in
 * flight. Successes are written only when they change something (a streak or failures in the window
 * to count against, a provider out or on trial); otherwise held, and sent with the next write or the
 * moment another process's failure makes them matter, so successes of every process count.
 */
export class LiveRecorder {
  private readonly live = new Map<string, Live>();
  private readonly policies = new WeakMap<object, HealthPolicy>();
  readonly inFlight: InFlightCalls;
  private lastWarn = 0;

  constructor(
    private readonly store: () => ProviderStateStore | undefined,
    private readonly snapshot: HealthSnapshot,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly defaults: HealthPolicy,
  ) {
    this.inFlight = new InFlightCalls(
      clock,
      (call) => slowThreshold(call.policy, this.baselineOf(this.liveOf(call.key))),
      (call, age) => this.slow(call, age),
    );
  }

  policyOf(input: HealthPolicyInput | undefined): HealthPolicy {
    if (!input) return this.defaults;
    let policy = this.policies.get(input);
    if (!policy) {
      policy = resolvePolicy(this.defaults, input);
      this.policies.set(input, policy);
    }
    return policy;
  }

  started(key: HealthKey, input: HealthPolicyInput | undefined): InFlightCall {
    const id = snapshotKey(key.product, key.env, key.healthcheck);
    return this.inFlight.start(id, key, this.policyOf(input));
  }

  record(key: HealthKey, outcome: CallOutcome): void {
    const tracked = outcome.call as TrackedCall | undefined;
    if (tracked) this.inFlight.end(tracked);
    if (tracked?.counted || outcome.kind === 'skipped') return; // found slow in flight: already counted
    const policy = this.policyOf(outcome.policy);
    const live = this.liveOf(key);
    const now = this.clock.now();
    const signal = signalOf(outcome, now, policy, slowThreshold(policy, this.baselineOf(live)));
    if (!signal) return;
    if (signal.kind === 'success') {
      live.baselineMs =
        live.baselineMs === null
          ? outcome.latencyMs
          : live.baselineMs + BASELINE_ALPHA * (outcome.latencyMs - live.baselineMs);
      live.samples++;
      if (this.successesMatter(key, policy)) this.push(live, signal);
      else this.hold(live, signal);
      return;
    }
    if (!watchesLiveTraffic(policy) && this.snapshot.phase(key)?.phase !== 'trial') return;
    this.push(live, signal);
  }

  /** A state arrived: successes held here may matter now (another process's failure started a streak). */
  stateChanged(key: HealthKey): void {
    const live = this.live.get(snapshotKey(key.product, key.env, key.healthcheck));
    if (live && live.held.size > 0 && this.successesMatter(key, this.defaults)) this.push(live);
  }

  private slow(call: TrackedCall, ageMs: number): void {
    const now = this.clock.now();
    const signal: LiveSignal = {
      kind: 'failure',
      policy: call.policy,
      startedAt: call.startedAt,
      endedAt: now,
      weight: failureWeight(ageMs, call.policy),
      slow: true,
    };
    this.push(this.liveOf(call.key), signal);
  }

  /**
   * What is normal for this provider: this process's own average of successful calls once it has
   * enough of them, else the probes' average latency (shared), else unknown (the relative rule waits).
   */
  private baselineOf(live: Live): number | null {
    if (live.samples >= BASELINE_SAMPLES) return live.baselineMs;
    return this.snapshot.get(live.key)?.state.probe.avgLatencyMs ?? null;
  }

  /**
   * Whether a success would change the shared state: something to count it against, or an ejection
   * to end. A policy that ignores live traffic still lets trial calls decide, nothing else.
   */
  private successesMatter(key: HealthKey, policy: HealthPolicy): boolean {
    const current = this.snapshot.get(key);
    if (!current) return false;
    const phase = this.snapshot.phase(key)!.phase;
    if (phase === 'trial') return true;
    if (!watchesLiveTraffic(policy)) return false;
    if (phase === 'ejected') return true;
    if (phase === 'cooling') return false;
    const { live } = current.state;
    if (live.streak.length > 0 || current.state.pending) return true;
    const windowMs = this.defaults.failureRate.windowMs;
    return windowTotals(live.window, windowMs, this.clock.now()).failures > 0;
  }

  private hold(live: Live, signal: Extract<LiveSignal, { kind: 'success' }>): void {
    const width = bucketWidth(signal.policy.failureRate.windowMs);
    const bucket = signal.endedAt - (signal.endedAt % width);
    const held = live.held.get(bucket);
    if (!held) {
      live.held.set(bucket, signal);
      return;
    }
    // Merged in place: a held signal is this recorder's own (made by signalOf for one call), and a
    // copy per success was an allocation on every job's path.
    held.count++;
    held.startedAt = Math.max(held.startedAt, signal.startedAt);
    held.endedAt = Math.max(held.endedAt, signal.endedAt);
  }

  /** Queues a signal (after the held successes still inside the window, which happened first) and starts a write. */
  private push(live: Live, signal?: LiveSignal): void {
    const now = this.clock.now();
    for (const held of [...live.held.values()].sort((a, b) => a.endedAt - b.endedAt)) {
      if (held.endedAt > now - held.policy.failureRate.windowMs) live.pending.push(held);
    }
    live.held.clear();
    if (signal) live.pending.push(signal);
    if (!live.writing) void this.write(live);
  }

  private async write(live: Live): Promise<void> {
    const store = this.store();
    if (!store) {
      live.pending.length = 0;
      return;
    }
    live.writing = true;
    const { key } = live;
    try {
      while (live.pending.length > 0) {
        const signals = live.pending.splice(0);
        const rule = (state: Parameters<typeof applyLiveAll>[0]) =>
          applyLiveAll(state, signals, this.clock.now());
        const { current } = await store.update(
          key.product,
          key.env,
          key.healthcheck,
          rule,
          this.snapshot.get(key) ?? null,
        );
        if (current) this.snapshot.put(key, current.version, current.state);
      }
    } catch (error) {
      live.pending.length = 0;
      const now = this.clock.now();
      if (now - this.lastWarn > 10_000) {
        this.lastWarn = now;
        this.logger.warn(
          {
            code: codeOf(error, 'BACKSTOP_LIVE_HEALTH_FAILED'),
            err: error,
            healthcheck: key.healthcheck,
          },
          'recording live outcomes failed; they are lost',
        );
      }
    } finally {
      live.writing = false;
    }
  }

  private liveOf(key: HealthKey): Live {
    const id = snapshotKey(key.product, key.env, key.healthcheck);
    let live = this.live.get(id);
    if (!live) {
      live = { key, pending: [], held: new Map(), baselineMs: null, samples: 0, writing: false };
      this.live.set(id, live);
    }
    return live;
  }
}
