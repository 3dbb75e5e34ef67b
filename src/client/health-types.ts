import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import type { HealthPhase } from '../core/health/phase.js';
import type { ProviderStatus } from '../core/health-view.js';

/** What the health API answers: healthchecks, a provider's merged state, history queries. */

export type HealthcheckDescription = HealthcheckDefinition & {
  product: string;
  version: number;
  source: 'declarative' | 'code';
};

/** `health.status(tag, env)`: the merged state and what it was merged from. */
export interface HealthStatus {
  product: string;
  env: string;
  healthcheck: string;
  provider_status: ProviderStatus;
  last_available: boolean | null;
  last_checked: string | null;
  last_latency_ms: number | null;
  avg_latency_ms: number | null;
  /** Consecutive failed probes. */
  consecutive_failures: number;
  /** Consecutive passed probes. */
  consecutive_passes: number;
  /** Where it stands: healthy, unknown, ejected, cooling (Retry-After), trial, ramping (slow start). */
  state: HealthPhase;
  /** Why it is out of rotation, when it is. */
  reason: string | null;
  /** When time ends the current phase, and how long that is from now. */
  until: string | null;
  time_left_ms: number | null;
  /** Credentials were refused (401/403): an operator must act. */
  alert: boolean;
  /** Ejections in a row (the ejection time's multiplier). */
  ejections: number;
  /** The share of runs that may call it now (0 out, growing while ramping, 1 in rotation). */
  traffic_share: number;
  /** Live traffic since it last entered rotation: the weighted failure streak and the sliding window. */
  live: { streak: number; window_calls: number; window_failures: number };
  /** The last change, and why. */
  changed: { at: string; reason: string } | null;
  /** The last failed probe: when, and what went wrong (secret values scrubbed). */
  last_probe_error: { at: string; error: string } | null;
  /** The same as a circuit breaker would show it: open while ejected or cooling, half-open on trial. */
  circuit: { state: 'closed' | 'open' | 'half-open'; failures: number; open_until: string | null };
}

/** A provider as `health.tracked()` lists it. */
export interface TrackedProvider {
  product: string;
  env: string;
  healthcheck: string;
  provider_status: ProviderStatus;
  state: HealthPhase;
  reason: string | null;
  time_left_ms: number | null;
  traffic_share: number;
  alert: boolean;
}

export interface HistoryQuery {
  /** Provider name (as in `result.provider`). */
  provider: string;
  product?: string;
  env?: string;
  /** ISO date or ms; default: one hour ago. */
  from?: string | number | Date;
  to?: string | number | Date;
}
