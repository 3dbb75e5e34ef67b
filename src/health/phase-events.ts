import type { EngineEvents } from '../core/events.js';
import type { PhaseView } from '../core/health/phase.js';
import type { ProviderState } from '../core/health/provider-state.js';
import type { HealthKey } from '../core/health-view.js';
import type { PhaseListener } from './health-snapshot.js';

/** Emits `health.changed` for every phase change the snapshot sees, with why it happened. */
export function phaseEvents(events: EngineEvents, now: () => number): PhaseListener {
  return (key: HealthKey, view: PhaseView, state: ProviderState, before: PhaseView | undefined) => {
    if (!events.active) return;
    events.emit({
      type: 'health.changed',
      product: key.product,
      env: key.env,
      key: key.healthcheck,
      status: view.status,
      reason: reasonOf(view, state, before),
      at: now(),
      state: view.phase,
      until: view.until,
      alert: view.alert,
    });
  };
}

/** Out of rotation: the ejection's reason. Back: what brought it back (a trial, probes, time). */
function reasonOf(view: PhaseView, state: ProviderState, before: PhaseView | undefined): string {
  if (view.phase === 'trial' && before?.phase === 'ejected')
    return (state.ejection?.trialSince ?? null) !== null ? 'probe-passed' : 'ejection-time-over';
  if (view.phase === 'ejected' || view.phase === 'cooling' || view.phase === 'trial')
    return view.reason ?? 'ejected';
  if (before?.phase === 'ramping') return 'slow-start-over';
  if (before?.phase === 'cooling') return 'cooldown-over';
  return state.change?.reason ?? 'recovered';
}
