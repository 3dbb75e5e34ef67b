import type { ProviderStatus } from '../health-view.js';
import { eject, probesMayEnd, recover } from './ejection.js';
import type { HealthPolicy } from './health-policy.js';
import { windowTotals } from './outcome-window.js';
import { phaseAt } from './phase.js';
import { type ProbeRecord, type ProviderState, settled } from './provider-state.js';

/** The hysteresis of a healthcheck: M failed probes in a row to mark unhealthy, N passed ones to mark healthy. */
export interface ProbeRules {
  /** M: the healthcheck's `retries` (at least 1). */
  failures: number;
  /** N: the healthcheck's `passes` (at least 1). */
  passes: number;
}

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  at: number;
}

/** Weight of the newest sample in the rolling average of probe latency. */
const ALPHA = 0.2;

/**
 * One probe's effect:
 * - its record, with hysteresis: from healthy it takes M failures in a row to turn unhealthy, from
 *   unhealthy N passes in a row to turn healthy (the first probe of an unknown provider decides at once
 *   when it passes);
 * - a pass ends an ejection early: the provider goes on trial (live trial calls decide), or straight
 *   back into rotation (slow start) once N probes passed since the ejection began;
 * - M failures eject a provider in rotation, until a probe passes, unless live traffic in the window
 *   says it works (enough calls, a failure share under the rate rule's threshold); a failure on
 *   trial ejects it again.
 * `policy` is the process's: probes serve every chain that names the healthcheck.
 */
export function applyProbe(
  current: ProviderState,
  probe: ProbeResult,
  rules: ProbeRules,
  policy: HealthPolicy,
): ProviderState {
  const state = settled(current, probe.at);
  const record = nextRecord(state.probe, probe, rules);
  const withRecord: ProviderState = { ...state, probe: record };
  const view = phaseAt(state, probe.at);
  const e = state.ejection;
  if (probe.ok) {
    if (!e || !probesMayEnd(state) || view.phase === 'cooling') return withRecord;
    const passes = e.passes + 1;
    if (passes >= Math.max(1, rules.passes)) return recover(withRecord, probe.at, 'probes-passed');
    const trialSince = e.trialSince ?? probe.at;
    const change = view.phase === 'trial' ? state.change : { at: probe.at, reason: 'probe-passed' };
    return { ...withRecord, ejection: { ...e, passes, trialSince }, change };
  }
  if (view.phase === 'trial' && probesMayEnd(state))
    return eject(withRecord, 'probe', probe.at, policy, null);
  if (e && (view.phase === 'ejected' || view.phase === 'trial'))
    return e.passes === 0 ? withRecord : { ...withRecord, ejection: { ...e, passes: 0 } };
  if (record.status === 'unhealthy' && view.phase !== 'cooling' && !liveSaysUp(state, probe.at, policy))
    return eject(withRecord, 'probe', probe.at, policy, null);
  return withRecord;
}

/**
 * Whether live traffic outranks failed probes: the window holds enough real calls and fails fewer
 * of them than the failure-rate rule would eject for (the live rules keep watching it). A provider
 * failing 30 % of calls must not be ejected by two of its probes failing in a row.
 */
function liveSaysUp(state: ProviderState, now: number, policy: HealthPolicy): boolean {
  const rate = policy.failureRate;
  if (rate.threshold <= 0) return false;
  const totals = windowTotals(state.live.window, rate.windowMs, now);
  return totals.calls >= rate.minVolume && (100 * totals.failures) / totals.calls < rate.threshold;
}

function nextRecord(record: ProbeRecord, probe: ProbeResult, rules: ProbeRules): ProbeRecord {
  const passes = probe.ok ? record.passes + 1 : 0;
  const failures = probe.ok ? 0 : record.failures + 1;
  let status: ProviderStatus = record.status;
  if (probe.ok && (record.status !== 'unhealthy' || passes >= Math.max(1, rules.passes))) status = 'healthy';
  if (!probe.ok && failures >= Math.max(1, rules.failures)) status = 'unhealthy';
  const avg =
    record.avgLatencyMs === null
      ? probe.latencyMs
      : record.avgLatencyMs + ALPHA * (probe.latencyMs - record.avgLatencyMs);
  return {
    status,
    failures,
    passes,
    lastAvailable: probe.ok,
    lastChecked: probe.at,
    lastLatencyMs: probe.latencyMs,
    avgLatencyMs: Math.round(avg * 10) / 10,
  };
}
