/**
 * How live traffic and probes move a provider in and out of rotation: one policy per provider of a
 * chain, made from the process's defaults, the chain's `health` and the option's `health`, in that
 * order. Every field has a documented default (README, "Healthchecks").
 */
export interface HealthPolicy {
  /** Weighted consecutive failures that eject a provider; 0 turns the rule off. */
  consecutiveFailures: number;
  /** Failure share (%) over a sliding window that ejects, once the window holds `minVolume` calls; threshold 0: off. */
  failureRate: { threshold: number; minVolume: number; windowMs: number };
  /**
   * Slow calls count as failures (reason `latency`), even while still in flight: slower than
   * `thresholdMs` when set, else than `factor` × the provider's own latency baseline (at least `minMs`).
   * `null` turns the rule off.
   */
  latency: { thresholdMs: number | null; factor: number; minMs: number } | null;
  /** A failure weighs 1 + its duration / `costUnitMs`: a 30 s timeout counts 31 times, a 10 ms 503 about once. */
  costUnitMs: number;
  /**
   * Ejection time: `baseMs` × the ejections in a row, at most `maxMs`; the count decays after `maxMs`
   * in rotation. An ejection by streak or rate takes effect `confirmMs` after it is decided, unless
   * successes other processes held back (and send the moment they see the failures) cancel it.
   */
  ejection: { baseMs: number; maxMs: number; confirmMs: number };
  /** Trial calls let through across all processes once an ejection ends (its time is over or a probe passed). */
  trialCalls: number;
  /** After a good trial: the provider's share of traffic grows from 10 % to 100 % over this long (0: at once). */
  slowStartMs: number;
  /** 429 / 503 with Retry-After cool the provider down for exactly that long (at most `maxMs`); `null`: count as a failure. */
  retryAfter: { maxMs: number } | null;
  /** 401 / 403: eject at once with an alert (`'eject'`), or count as any failure (`'count'`). */
  authFailures: 'eject' | 'count';
}

/** What a user may set, per process, chain or option: any subset, nested objects merged field by field. */
export type HealthPolicyInput = {
  [K in keyof HealthPolicy]?: HealthPolicy[K] extends infer V
    ? V extends object
      ? Partial<V> | (null extends V ? null : never)
      : V
    : never;
};

export const DEFAULT_HEALTH_POLICY: HealthPolicy = Object.freeze({
  consecutiveFailures: 5,
  failureRate: Object.freeze({ threshold: 50, minVolume: 20, windowMs: 10_000 }),
  latency: Object.freeze({ thresholdMs: null, factor: 10, minMs: 500 }),
  costUnitMs: 1_000,
  ejection: Object.freeze({ baseMs: 5_000, maxMs: 60_000, confirmMs: 50 }),
  trialCalls: 1,
  slowStartMs: 3_000,
  retryAfter: Object.freeze({ maxMs: 300_000 }),
  authFailures: 'eject' as const,
});

/**
 * Live traffic ignored: no rule ejects on live outcomes, recovery is at once. What `circuit: false`
 * (or a circuit threshold of 0) means; probes still count.
 */
export const PASSIVE_OFF: HealthInput = Object.freeze({
  consecutiveFailures: 0,
  failureRate: { threshold: 0 },
  latency: null,
  retryAfter: null,
  authFailures: 'count' as const,
  slowStartMs: 0,
});

type HealthInput = HealthPolicyInput;

/** `base` with `over` laid on top; nested objects merge field by field, `null` turns a rule off. */
export function mergePolicy(base: HealthPolicy, over: HealthPolicyInput | undefined): HealthPolicy {
  if (!over) return base;
  const out = { ...base } as Record<string, unknown>;
  for (const [name, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[name];
    out[name] =
      value !== null && typeof value === 'object' && current !== null && typeof current === 'object'
        ? { ...current, ...value }
        : value === null || typeof value !== 'object'
          ? value
          : { ...(DEFAULT_HEALTH_POLICY[name as keyof HealthPolicy] as object), ...value };
  }
  return out as unknown as HealthPolicy;
}

/** Two layers of settings as one (`over` wins field by field); undefined when both are. */
export function overlay(
  under: HealthPolicyInput | undefined,
  over: HealthPolicyInput | undefined,
): HealthPolicyInput | undefined {
  if (!under || !over) return over ?? under;
  const out = { ...under } as Record<string, unknown>;
  for (const [name, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[name];
    out[name] =
      value !== null && typeof value === 'object' && current !== null && typeof current === 'object'
        ? { ...current, ...value }
        : value;
  }
  return out as HealthPolicyInput;
}

/** Layers merged in order (process defaults, chain, option); the result is what the rules read. */
export function resolvePolicy(
  defaults: HealthPolicy,
  ...layers: (HealthPolicyInput | undefined)[]
): HealthPolicy {
  return layers.reduce<HealthPolicy>((policy, layer) => mergePolicy(policy, layer), defaults);
}

/** Whether live outcomes can change anything under this policy (else the view need not write them). */
export function watchesLiveTraffic(policy: HealthPolicy): boolean {
  return (
    policy.consecutiveFailures > 0 ||
    policy.failureRate.threshold > 0 ||
    policy.latency !== null ||
    policy.retryAfter !== null ||
    policy.authFailures === 'eject'
  );
}
