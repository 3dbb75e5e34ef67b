import type { CallOutcome } from '../health-view.js';
import type { HealthPolicy } from './health-policy.js';

/**
 * What a live call tells about its provider, decided apart from what the rules do with it:
 * - `success`: it answered (a refusal about the request, like a 400, counts: the provider is up);
 *   `count` successes at once when a process sends those it held back;
 * - `failure`: it is in trouble (network error, timeout, 5xx, 408, 429, or slower than the latency
 *   threshold), weighing 1 + its duration / `costUnitMs`;
 * - `cooldown`: 429 / 503 with Retry-After: it asked to be left alone for that long;
 * - `auth`: 401 / 403: its credentials are refused.
 */
export type LiveSignal =
  | { kind: 'success'; policy: HealthPolicy; startedAt: number; endedAt: number; count: number }
  | {
      kind: 'failure';
      policy: HealthPolicy;
      startedAt: number;
      endedAt: number;
      weight: number;
      /** Counted because it was slow (the ejection reason is then `latency`). */
      slow: boolean;
    }
  | { kind: 'cooldown'; policy: HealthPolicy; startedAt: number; endedAt: number; retryAfterMs: number }
  | { kind: 'auth'; policy: HealthPolicy; startedAt: number; endedAt: number };

const COOLDOWN_STATUS = new Set([429, 503]);
const AUTH_STATUS = new Set([401, 403]);

/** A failure's weight: what it cost the run that waited for it, in units of `costUnitMs`. */
export function failureWeight(durationMs: number, policy: HealthPolicy): number {
  return 1 + Math.max(0, durationMs) / policy.costUnitMs;
}

/**
 * The signal of one finished call, or undefined for what says nothing about the provider (a skip).
 * `slowMs` is the latency past which a call counts as a failure (Infinity: never).
 */
export function signalOf(
  outcome: CallOutcome,
  endedAt: number,
  policy: HealthPolicy,
  slowMs: number,
): LiveSignal | undefined {
  const startedAt = endedAt - outcome.latencyMs;
  const status = outcome.failure?.status;
  if (outcome.kind === 'skipped') return undefined;
  if (status !== undefined && AUTH_STATUS.has(status) && outcome.kind !== 'success')
    return { kind: 'auth', policy, startedAt, endedAt };
  if (outcome.kind === 'failure') {
    const retryAfterMs = outcome.failure?.retryAfterMs;
    if (status !== undefined && COOLDOWN_STATUS.has(status) && retryAfterMs !== undefined && retryAfterMs > 0)
      return { kind: 'cooldown', policy, startedAt, endedAt, retryAfterMs };
    const weight = failureWeight(outcome.latencyMs, policy);
    return { kind: 'failure', policy, startedAt, endedAt, weight, slow: outcome.latencyMs > slowMs };
  }
  if (outcome.latencyMs > slowMs) {
    const weight = failureWeight(outcome.latencyMs, policy);
    return { kind: 'failure', policy, startedAt, endedAt, weight, slow: true };
  }
  return { kind: 'success', policy, startedAt, endedAt, count: 1 };
}

/** The latency past which a call counts as slow: the policy's threshold, or a multiple of the baseline. */
export function slowThreshold(policy: HealthPolicy, baselineMs: number | null): number {
  const latency = policy.latency;
  if (!latency) return Number.POSITIVE_INFINITY;
  if (latency.thresholdMs !== null) return latency.thresholdMs;
  if (baselineMs === null) return Number.POSITIVE_INFINITY;
  return Math.max(latency.minMs, latency.factor * baselineMs);
}
