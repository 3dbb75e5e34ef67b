export type ProviderStatus = 'healthy' | 'unhealthy' | 'unknown';

/** The tracked state of a provider's healthcheck, under the names `fetch` shows on every option. */
export interface ProviderHealth {
  provider_status: ProviderStatus;
  last_available: boolean | null;
  last_checked: string | null;
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
}

/** What a run reports of each provider it tried or skipped. */
export interface CallOutcome {
  provider: string;
  /** `success`, a `failure` that says the provider is in trouble (retryable), another failure, or a skip. */
  kind: 'success' | 'failure' | 'rejected' | 'skipped';
  latencyMs: number;
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
