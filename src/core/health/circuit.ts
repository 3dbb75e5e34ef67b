/**
 * Passive health: live traffic's own failures. Consecutive failures of a provider in real runs
 * open its circuit for a cooldown; after it one trial call (or the next probe) decides: a success
 * closes the circuit, a failure opens it again.
 */
export interface CircuitState {
  /** Consecutive failures seen in live runs. */
  failures: number;
  /** Until when the circuit is open (ms since epoch); null when closed. */
  openUntil: number | null;
}

export interface CircuitPolicy {
  /** Consecutive live failures that open the circuit. */
  threshold: number;
  /** How long it stays open before a trial call is let through. */
  cooldownMs: number;
}

export const DEFAULT_CIRCUIT: CircuitPolicy = Object.freeze({ threshold: 5, cooldownMs: 30_000 });

export const CLOSED: CircuitState = Object.freeze({ failures: 0, openUntil: null });

export type CircuitPhase = 'closed' | 'open' | 'half-open';

export function phaseOf(state: CircuitState, now: number): CircuitPhase {
  if (state.openUntil === null) return 'closed';
  return now < state.openUntil ? 'open' : 'half-open';
}

/** A live call's effect. A failure while half-open (the trial) opens the circuit again at once. */
export function applyCall(
  state: CircuitState,
  ok: boolean,
  now: number,
  policy: CircuitPolicy,
): CircuitState {
  if (ok) return CLOSED;
  const failures = state.failures + 1;
  const trialFailed = phaseOf(state, now) === 'half-open';
  if (trialFailed || failures >= policy.threshold) return { failures, openUntil: now + policy.cooldownMs };
  return { failures, openUntil: state.openUntil };
}
