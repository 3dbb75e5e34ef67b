import type { ProviderStatus } from '../health-view.js';
import { ejectionAt, type OutReason, type ProviderState } from './provider-state.js';

/**
 * Where a provider stands at a moment, derived from its state and the clock alone, so every process
 * reads the same phase from the same state without a write when time ends an ejection or a ramp.
 * - `ejected`: out of rotation (live failures, probes, an auth failure, an operator);
 * - `cooling`: out for exactly the Retry-After the provider asked for;
 * - `trial`: the ejection ended (its time is over, or a probe passed): a few trial calls decide;
 * - `ramping`: back after a good trial, taking a growing share of traffic (slow start);
 * - `healthy` / `unknown`: in rotation (`unknown` when no probe has run).
 */
export type HealthPhase = 'unknown' | 'healthy' | 'ejected' | 'cooling' | 'trial' | 'ramping';

export interface PhaseView {
  phase: HealthPhase;
  /** `provider_status`: unhealthy while out or on trial, else the probes' verdict (healthy when live traffic proved it). */
  status: ProviderStatus;
  /** Why it is out (ejected, cooling or on trial). */
  reason: OutReason | null;
  /** When time ends this phase; null when it does not. */
  until: number | null;
  /** When this phase began. */
  since: number | null;
  /** The share of runs that may call it: 1 in rotation, 0 out, growing while ramping. */
  share: number;
  /** An auth failure ejected it: credentials need an operator. */
  alert: boolean;
}

/** A recovering provider's traffic share starts here and grows linearly to 1 over the slow start. */
export const RAMP_START_SHARE = 0.1;

export function phaseAt(state: ProviderState, now: number): PhaseView {
  const ejection = ejectionAt(state, now);
  const ramp = ejection ? null : state.ramp;
  if (ejection) {
    const alert = ejection.reason === 'auth';
    if (ejection.reason === 'retry-after') {
      if (ejection.until !== null && now < ejection.until)
        return out('cooling', ejection.reason, ejection.until, ejection.at, false);
    } else {
      const timeOver = ejection.until !== null && now >= ejection.until;
      const trialSince = ejection.trialSince ?? (timeOver ? ejection.until : null);
      if (trialSince !== null) return out('trial', ejection.reason, null, trialSince, alert);
      return out('ejected', ejection.reason, ejection.until, ejection.at, alert);
    }
  }
  if (ramp && now < ramp.until) {
    const share =
      RAMP_START_SHARE + ((1 - RAMP_START_SHARE) * (now - ramp.since)) / (ramp.until - ramp.since);
    return {
      phase: 'ramping',
      status: 'healthy',
      reason: null,
      until: ramp.until,
      since: ramp.since,
      share: Math.min(1, Math.max(RAMP_START_SHARE, share)),
      alert: false,
    };
  }
  const probe = state.probe.status;
  // Live traffic that recovered a provider outranks a probe verdict still waiting for its N passes.
  const status: ProviderStatus = probe === 'unhealthy' ? 'healthy' : probe;
  return {
    phase: status === 'unknown' ? 'unknown' : 'healthy',
    status,
    reason: null,
    until: null,
    since: null,
    share: 1,
    alert: false,
  };
}

function out(
  phase: 'ejected' | 'cooling' | 'trial',
  reason: OutReason,
  until: number | null,
  since: number,
  alert: boolean,
): PhaseView {
  return { phase, status: 'unhealthy', reason, until, since, share: 0, alert };
}

/** Whether the phase keeps the provider out of ordinary runs (trial calls aside). */
export function isOut(phase: HealthPhase): boolean {
  return phase === 'ejected' || phase === 'cooling' || phase === 'trial';
}
