import type { HealthPolicyInput } from './health/health-policy.js';
import type { HealthPhase } from './health/phase.js';

export type ProviderStatus = 'healthy' | 'unhealthy' | 'unknown';

/** The tracked state of a provider's healthcheck, under the names `fetch` shows on every option. */
export interface ProviderHealth {
  provider_status: ProviderStatus;
  last_available: boolean | null;
  last_checked: string | null;
  /** Where it stands: healthy, ejected, cooling (Retry-After), trial, ramping (slow start) or unknown. */
  health_state?: HealthPhase | undefined;
  /** Why it is out of rotation (consecutive-failures, failure-rate, latency, auth, probe, operator, retry-after). */
  health_reason?: string | null | undefined;
  /** When time ends its current phase (ISO), and how long that is from now. */
  health_until?: string | null | undefined;
  time_left_ms?: number | null | undefined;
}

export interface HealthKey {
  product: string;
  env: string;
  /** The provider's healthcheck tag; for a provider without one, its name (live traffic still counts). */
  healthcheck: string;
}

/**
 * What the engine asks before calling a provider. Synchronous on purpose: implementations keep a
 * local snapshot so that a run never waits on Redis to decide whether to skip a provider.
 */
export interface HealthView {
  /**
   * Whether a run may call the provider now. Not a plain read: a recovering provider admits only a
   * limited number of trial calls, and this call may take one of them.
   */
  admit(key: HealthKey): boolean;
  /** The provider's tracked state, for display: a read with no effect, never taking a trial call. */
  peek(key: HealthKey): ProviderHealth | undefined;
  /** A live call's outcome (passive health, history). Must not block: the run does not wait. */
  record?(key: HealthKey, outcome: CallOutcome): void;
  /**
   * A live call begins: a view that judges latency may count it as slow before it ends (a hung
   * provider is ejected while its calls still hang). What it returns comes back in the outcome.
   */
  started?(key: HealthKey, policy: HealthPolicyInput | undefined): InFlightCall | undefined;
}

/** A call in flight, as the view that tracks it knows it; opaque to the engine. */
export interface InFlightCall {
  readonly startedAt: number;
}

/** What a run reports of each provider it tried or skipped. */
export interface CallOutcome {
  provider: string;
  /** `success`, a `failure` that says the provider is in trouble (retryable), another failure, or a skip. */
  kind: 'success' | 'failure' | 'rejected' | 'skipped';
  latencyMs: number;
  /** What failed: the status and Retry-After decide between cooling down, ejecting and counting. */
  failure?: { code: string; status?: number | undefined; retryAfterMs?: number | undefined } | undefined;
  /** The chain's and the option's health settings for this provider. */
  policy?: HealthPolicyInput | undefined;
  /** What `started` returned for this call. */
  call?: InFlightCall | undefined;
}

/** A health view you set by hand: the default until healthchecks run, and the one tests use. */
export class InMemoryHealthView implements HealthView {
  private readonly states = new Map<string, ProviderHealth>();

  admit(key: HealthKey): boolean {
    return this.states.get(keyOf(key))?.provider_status !== 'unhealthy';
  }

  peek(key: HealthKey): ProviderHealth | undefined {
    return this.states.get(keyOf(key));
  }

  set(key: HealthKey, status: ProviderStatus, checkedAt: Date = new Date()): void {
    this.states.set(keyOf(key), {
      provider_status: status,
      last_available: status === 'unknown' ? null : status === 'healthy',
      last_checked: checkedAt.toISOString(),
    });
  }

  clear(): void {
    this.states.clear();
  }
}

function keyOf(key: HealthKey): string {
  return `${key.product}\u0000${key.env}\u0000${key.healthcheck}`;
}
