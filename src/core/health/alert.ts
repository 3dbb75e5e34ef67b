import { phaseAt } from './phase.js';
import type { ProviderState } from './provider-state.js';

/** A provider went out of rotation, or came back. */
export type AlertTransition = 'unhealthy' | 'recovered';

/** What an alert says, in the webhook's body (`alert`) and the `health.alert` event. */
export interface HealthAlert {
  /** Unique per alert: a receiver dedupes retried deliveries by it. */
  id: string;
  transition: AlertTransition;
  product: string;
  env: string;
  healthcheck: string;
  /** Why it went out (consecutive-failures, failure-rate, latency, auth, probe, operator), or what brought it back. */
  reason: string;
  /** ISO time of the transition. */
  at: string;
}

/**
 * Out of rotation for alerts: ejected or on trial (a `Retry-After` cooldown is the provider's own
 * request, not a failure, and ends by time without a write, so it neither alerts nor recovers).
 */
function out(state: ProviderState | undefined, now: number): boolean {
  if (!state) return false;
  const phase = phaseAt(state, now).phase;
  return phase === 'ejected' || phase === 'trial';
}

/** The transition a state write made, if any: judged on the two states at the same moment. */
export function alertTransition(
  before: ProviderState | undefined,
  after: ProviderState,
  now: number,
): AlertTransition | undefined {
  const wasOut = out(before, now);
  const isOut = out(after, now);
  if (wasOut === isOut) return undefined;
  return isOut ? 'unhealthy' : 'recovered';
}

/** Why: the ejection's reason going out, the change's reason coming back. */
export function alertReason(after: ProviderState, transition: AlertTransition): string {
  if (transition === 'unhealthy') return after.ejection?.reason ?? after.change?.reason ?? 'ejected';
  return after.change?.reason ?? 'recovered';
}
