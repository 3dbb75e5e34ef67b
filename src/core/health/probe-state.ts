import type { ProviderStatus } from '../health-view.js';

/** What active healthchecks know of a provider (one product, env and healthcheck). */
export interface ProbeState {
  status: ProviderStatus;
  /** Consecutive failed probes. */
  failures: number;
  lastAvailable: boolean | null;
  lastChecked: number | null;
  lastLatencyMs: number | null;
  /** Exponentially weighted average of probe latency. */
  avgLatencyMs: number | null;
}

export const UNKNOWN_PROBE: ProbeState = Object.freeze({
  status: 'unknown',
  failures: 0,
  lastAvailable: null,
  lastChecked: null,
  lastLatencyMs: null,
  avgLatencyMs: null,
});

/** Weight of the newest sample in the rolling average. */
const ALPHA = 0.2;

/**
 * One probe's effect: a success marks the provider healthy at once; it takes `threshold`
 * consecutive failures (the healthcheck's `retries`, at least 1) to mark it unhealthy.
 */
export function applyProbe(
  state: ProbeState,
  probe: { ok: boolean; latencyMs: number; at: number },
  threshold: number,
): ProbeState {
  const failures = probe.ok ? 0 : state.failures + 1;
  const status: ProviderStatus = probe.ok
    ? 'healthy'
    : failures >= Math.max(1, threshold)
      ? 'unhealthy'
      : state.status;
  const avg =
    state.avgLatencyMs === null
      ? probe.latencyMs
      : state.avgLatencyMs + ALPHA * (probe.latencyMs - state.avgLatencyMs);
  return {
    status,
    failures,
    lastAvailable: probe.ok,
    lastChecked: probe.at,
    lastLatencyMs: probe.latencyMs,
    avgLatencyMs: Math.round(avg * 10) / 10,
  };
}
