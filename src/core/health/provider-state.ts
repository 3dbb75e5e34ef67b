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
  /** Weighted consecutive failures after the last success (in end-time order, across processes). */
  streak: number;
  /** End time of the newest failure counted in the streak. */
  lastFailureAt: number | null;
  /** End time of the newest success known. */
  lastSuccessAt: number | null;
  window: WindowBucket[];
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
  streak: 0,
  lastFailureAt: null,
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
  change: null,
});

/** A state as stored: the version is the global sequence number of the write that made it. */
export interface VersionedState {
  version: number;
  state: ProviderState;
}
