import type { HealthPolicy } from './health-policy.js';
import { FRESH_LIVE, type OutReason, type PendingEjection, type ProviderState } from './provider-state.js';

/**
 * Takes the provider out of rotation. Ejection time grows with the ejections in a row (`baseMs` ×
 * count, at most `maxMs`, Envoy's rule); the count starts over once the provider has stayed in
 * rotation for `maxMs` since its last recovery. The live record starts afresh, so failures from
 * before cannot eject it again the moment it is back.
 * `until`: a fixed end (operator, Retry-After); `null` (probes) ends only by a passing probe.
 */
export function eject(
  state: ProviderState,
  reason: OutReason,
  now: number,
  policy: HealthPolicy,
  until?: number | null,
): ProviderState {
  const counted = reason !== 'probe' && reason !== 'operator' && reason !== 'retry-after';
  // Only time back in rotation counts toward the decay: a failed trial is the same ejection going on.
  const decayed =
    state.ejection === null && state.recoveredAt !== null && now - state.recoveredAt >= policy.ejection.maxMs;
  const ejections = counted ? (decayed ? 0 : state.ejections) + 1 : state.ejections;
  const end =
    until !== undefined
      ? until
      : now + Math.min(policy.ejection.baseMs * Math.max(1, ejections), policy.ejection.maxMs);
  return {
    ...state,
    live: FRESH_LIVE,
    ejection: {
      reason,
      at: now,
      until: end,
      trialSince: null,
      passes: 0,
      trialCalls: policy.trialCalls,
      slowStartMs: policy.slowStartMs,
    },
    ejections,
    ramp: null,
    pending: null,
    change: { at: now, reason },
  };
}

/**
 * An ejection by streak or rate, decided now and taking effect `confirmMs` later (at once when 0):
 * other processes send the successes they held back the moment they see the failures, and a success
 * that ended after the streak began cancels it (apply-live.ts). Its time counts from when it takes effect.
 */
export function pend(
  state: ProviderState,
  reason: OutReason,
  now: number,
  policy: HealthPolicy,
): ProviderState {
  const confirmMs = policy.ejection.confirmMs;
  if (confirmMs <= 0) return eject(state, reason, now, policy);
  if (state.pending) return state;
  const at = now + confirmMs;
  const decided = eject(state, reason, at, policy);
  const pending: PendingEjection = { ejection: decided.ejection!, ejections: decided.ejections };
  return { ...state, pending };
}

/** Back in rotation after a good trial (or N passing probes): slow start, if the ejection asked for one. */
export function recover(state: ProviderState, now: number, reason: string): ProviderState {
  const slowStartMs = state.ejection?.slowStartMs ?? 0;
  return {
    ...state,
    live: FRESH_LIVE,
    ejection: null,
    recoveredAt: now,
    ramp: slowStartMs > 0 ? { since: now, until: now + slowStartMs } : null,
    pending: null,
    change: { at: now, reason },
  };
}

/** Whether probes may end this ejection (a Retry-After or an operator's time holds whatever probes say). */
export function probesMayEnd(state: ProviderState): boolean {
  const reason = state.ejection?.reason;
  return reason !== undefined && reason !== 'retry-after' && reason !== 'operator';
}
