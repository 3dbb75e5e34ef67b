import { eject, pend, recover } from './ejection.js';
import type { HealthPolicy } from './health-policy.js';
import type { LiveSignal } from './live-signal.js';
import { addToWindow, windowTotals } from './outcome-window.js';
import { phaseAt } from './phase.js';
import { type LiveRecord, type ProviderState, settled, streakWeight } from './provider-state.js';

/** A streak this unlikely under the provider's own recent failure share reads as an outage, not bad luck. */
const STREAK_SURPRISE = 1e-5;

/**
 * One live signal's effect. Returns `state` itself when nothing changes (the caller then writes
 * nothing). Rules, by phase:
 * - cooling: nothing counts (a later Retry-After from a call made during it may lengthen it);
 * - ejected / trial: calls that began before the phase are ignored, so calls already in flight never
 *   extend an ejection; a success of a call made since recovers the provider (slow start); a failed
 *   trial call ejects it again, for longer;
 * - in rotation: 401/403 eject at once, a Retry-After cools down for exactly that long, failures
 *   (weighted by cost) feed the streak and the window, and either may eject.
 */
export function applyLive(current: ProviderState, signal: LiveSignal, now: number): ProviderState {
  const state = settled(current, now);
  const view = phaseAt(state, now);
  const { policy } = signal;
  switch (view.phase) {
    case 'cooling': {
      const e = state.ejection!;
      if (signal.kind !== 'cooldown' || signal.startedAt < e.at || !policy.retryAfter) return state;
      const until = now + Math.min(signal.retryAfterMs, policy.retryAfter.maxMs);
      return until > (e.until ?? 0) ? { ...state, ejection: { ...e, until } } : state;
    }
    case 'ejected':
    case 'trial': {
      if (signal.startedAt < view.since!) return state;
      // An operator's ejection holds for the time they gave, whatever calls made meanwhile say.
      if (view.phase === 'ejected' && view.reason === 'operator') return state;
      if (signal.kind === 'success')
        return recover(state, now, view.phase === 'trial' ? 'trial-succeeded' : 'call-succeeded');
      if (view.phase === 'ejected') return state;
      return outOfRotation(state, signal, now) ?? eject(state, reasonOf(signal), now, policy);
    }
    case 'ramping':
      if (signal.startedAt < view.since!) return state;
      return count(state, signal, now);
    default:
      return count(state, signal, now);
  }
}

/** The signals that take a provider out at once, whatever its record: a refused credential, a Retry-After. */
function outOfRotation(state: ProviderState, signal: LiveSignal, now: number): ProviderState | undefined {
  const { policy } = signal;
  if (signal.kind === 'auth' && policy.authFailures === 'eject') return eject(state, 'auth', now, policy);
  if (signal.kind === 'cooldown' && policy.retryAfter) {
    const until = now + Math.min(signal.retryAfterMs, policy.retryAfter.maxMs);
    return eject(state, 'retry-after', now, policy, until);
  }
  return undefined;
}

/** Failures of a streak kept (more than any threshold needs: 4 × consecutiveFailures, weights ≥ 1). */
export const STREAK_KEPT = 64;

function count(state: ProviderState, signal: LiveSignal, now: number): ProviderState {
  const ejected = outOfRotation(state, signal, now);
  if (ejected) return ejected;
  const { policy } = signal;
  const live = state.live;
  const windowMs = policy.failureRate.windowMs;
  if (signal.kind === 'success') {
    const next: LiveRecord = {
      // Failures that ended before this success are no longer consecutive.
      streak: live.streak.filter(([at]) => at > signal.endedAt),
      lastSuccessAt: Math.max(live.lastSuccessAt ?? 0, signal.endedAt),
      window: addToWindow(live.window, signal.endedAt, signal.count, 0, windowMs, now),
    };
    const counted = { ...state, live: next };
    // A success reported late may cancel an ejection still in its confirmation window.
    return counted.pending && !verdict(counted, policy, now) ? { ...counted, pending: null } : counted;
  }
  const weight =
    signal.kind === 'failure' ? signal.weight : 1 + (signal.endedAt - signal.startedAt) / policy.costUnitMs;
  // A failure that ended before a success already known is not part of the streak that follows it
  // (one that ended in the same millisecond is: within a process, outcomes arrive in order).
  const inStreak = live.lastSuccessAt === null || signal.endedAt >= live.lastSuccessAt;
  const streak = inStreak ? insert(live.streak, signal.endedAt, weight) : live.streak;
  const next: LiveRecord = {
    streak,
    lastSuccessAt: live.lastSuccessAt,
    window: addToWindow(live.window, signal.endedAt, weight, weight, windowMs, now),
  };
  const counted = { ...state, live: next };
  const slow = signal.kind === 'failure' && signal.slow;
  const found = verdict(counted, policy, now);
  if (!found) return counted;
  const reason = slow ? 'latency' : found;
  return pend(counted, reason, now, policy);
}

/** Which rule ejects the provider on this record, if one does. */
function verdict(
  state: ProviderState,
  policy: HealthPolicy,
  now: number,
): 'consecutive-failures' | 'failure-rate' | undefined {
  const { live } = state;
  const totals = windowTotals(live.window, policy.failureRate.windowMs, now);
  const k = policy.consecutiveFailures;
  const streak = streakWeight(live);
  if (k > 0 && streak >= streakNeeded(k, totals, streak, policy)) return 'consecutive-failures';
  const rate = policy.failureRate;
  if (
    rate.threshold > 0 &&
    totals.calls >= rate.minVolume &&
    (100 * totals.failures) / totals.calls >= rate.threshold
  )
    return 'failure-rate';
  return undefined;
}

function insert(streak: readonly [number, number][], at: number, weight: number): [number, number][] {
  const next: [number, number][] = [...streak, [at, weight]];
  next.sort((a, b) => a[0] - b[0]);
  return next.length > STREAK_KEPT ? next.slice(next.length - STREAK_KEPT) : next;
}

/**
 * How long a streak must be to eject: `k`, or more for a provider that already fails a share of
 * calls, so that a run of bad luck at a 30 % error rate does not read as an outage: the streak must
 * be less likely than 1 in 100,000 at the share the window saw before it (at most 4 k).
 */
export function streakNeeded(
  k: number,
  totals: { calls: number; failures: number },
  streak: number,
  policy: HealthPolicy,
): number {
  const calls = totals.calls - streak;
  const failures = totals.failures - streak;
  if (calls < policy.failureRate.minVolume || failures <= 0) return k;
  const share = Math.min(0.99, failures / calls);
  return Math.min(4 * k, Math.max(k, Math.ceil(Math.log(STREAK_SURPRISE) / Math.log(share))));
}

function reasonOf(signal: LiveSignal): 'latency' | 'consecutive-failures' | 'auth' {
  if (signal.kind === 'auth') return 'auth';
  return signal.kind === 'failure' && signal.slow ? 'latency' : 'consecutive-failures';
}

/** Several signals in order; `state` itself when none changed anything. */
export function applyLiveAll(
  state: ProviderState,
  signals: readonly LiveSignal[],
  now: number,
): ProviderState {
  let next = state;
  for (const signal of signals) next = applyLive(next, signal, now);
  return next;
}
