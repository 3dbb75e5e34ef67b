import type { ProviderStatus } from '../health-view.js';
import type { WindowBucket } from './outcome-window.js';

/** What probes found, with their hysteresis: N passes to become healthy, M failures to become unhealthy. */
export interface ProbeRecord {
  /** The probes' own verdict. */
  status: ProviderStatus;
  /** Consecutive failed probes. */
  failures: number;
  /** Consecutive passed probes. */
  passes: number;
  lastAvailable: boolean | null;
  lastChecked: number | null;
  lastLatencyMs: number | null;
  /** Exponentially weighted average of probe latency. */
  avgLatencyMs: number | null;
}

/** Why a provider is out of rotation. `retry-after` is a cool-down the provider asked for. */
export type OutReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'latency'
  | 'auth'
  | 'probe'
  | 'operator'
  | 'retry-after';

/** A period out of rotation. */
export interface Ejection {
  reason: OutReason;
  /** When it began: failures of calls that started before do not count against the provider again. */
  at: number;
  /** When time ends it (then trial calls decide); null: only a passing probe (or an operator) ends it. */
  until: number | null;
  /** Set when a probe passed before `until`: trial calls decide from then on. */
  trialSince: number | null;
  /** Probes passed in a row since it began: N of them bring the provider back without a trial call. */
  passes: number;
  /** Trial calls let through, across processes, once it ends. */
  trialCalls: number;
  /** Slow start after a good trial, from the policy that ejected it. */
  slowStartMs: number;
}

/** What live traffic found since the provider last (re)entered rotation. */
export interface LiveRecord {
  /**
   * The failures after the newest success known, as [end time, weight], oldest first: a success
   * another process reports late still cuts the streak at the moment it ended.
   */
  streak: [number, number][];
  /** End time of the newest success known. */
  lastSuccessAt: number | null;
  window: WindowBucket[];
}

/** An ejection decided by the streak or the failure rate, taking effect at `ejection.at` unless a success cancels it first. */
export interface PendingEjection {
  ejection: Ejection;
  /** The ejection count it will bring. */
  ejections: number;
}

/** The one record per provider (product, env and healthcheck) that probes and live traffic both move. */
export interface ProviderState {
  probe: ProbeRecord;
  live: LiveRecord;
  ejection: Ejection | null;
  /** Ejections in a row: the ejection time's multiplier. */
  ejections: number;
  /** When the last ejection ended in recovery (the multiplier decays after a stretch in rotation). */
  recoveredAt: number | null;
  /** Slow start: traffic share grows from `since` to `until`. */
  ramp: { since: number; until: number } | null;
  /** An ejection waiting out its confirmation window (other processes' held successes may cancel it). */
  pending: PendingEjection | null;
  /** The last change written, and why: what `health.changed` reports. */
  change: { at: number; reason: string } | null;
}

export const UNKNOWN_PROBE: ProbeRecord = Object.freeze({
  status: 'unknown',
  failures: 0,
  passes: 0,
  lastAvailable: null,
  lastChecked: null,
  lastLatencyMs: null,
  avgLatencyMs: null,
});

export const FRESH_LIVE: LiveRecord = Object.freeze({
  streak: Object.freeze([]) as unknown as [number, number][],
  lastSuccessAt: null,
  window: Object.freeze([]) as unknown as WindowBucket[],
});

export const INITIAL_STATE: ProviderState = Object.freeze({
  probe: UNKNOWN_PROBE,
  live: FRESH_LIVE,
  ejection: null,
  ejections: 0,
  recoveredAt: null,
  ramp: null,
  pending: null,
  change: null,
});

/** The streak's total weight. */
export function streakWeight(live: LiveRecord): number {
  let sum = 0;
  for (const [, weight] of live.streak) sum += weight;
  return sum;
}

/** The ejection in force at `now`: the current one, or a pending one whose confirmation window is over. */
export function ejectionAt(state: ProviderState, now: number): Ejection | null {
  if (state.ejection) return state.ejection;
  return state.pending && now >= state.pending.ejection.at ? state.pending.ejection : null;
}

/** The state with a pending ejection that is due made real (what any write at `now` starts from). */
export function settled(state: ProviderState, now: number): ProviderState {
  const pending = state.pending;
  if (!pending || now < pending.ejection.at) return state;
  return {
    ...state,
    live: FRESH_LIVE,
    ejection: pending.ejection,
    ejections: pending.ejections,
    ramp: null,
    pending: null,
    change: { at: pending.ejection.at, reason: pending.ejection.reason },
  };
}

/** A state as stored: the version is the global sequence number of the write that made it. */
export interface VersionedState {
  version: number;
  state: ProviderState;
}
