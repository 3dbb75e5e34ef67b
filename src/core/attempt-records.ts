import type { AttemptRecord } from './attempt.js';
import type { ProviderSpec } from './chain.js';
import type { Verdict } from './classify.js';
import type { AttemptFailure } from './failure.js';

function record(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
  outcome: AttemptRecord['outcome'],
): AttemptRecord {
  return {
    provider: provider.name,
    attempt,
    startedAt: new Date(at).toISOString(),
    durationMs,
    outcome,
    idempotencyKey: key,
  };
}

export function skipped(provider: ProviderSpec, key: string, at: number, why: 'unhealthy'): AttemptRecord {
  return { ...record(provider, key, 0, at, 0, 'skipped'), skipped: why };
}

export function succeeded(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
): AttemptRecord {
  return record(provider, key, attempt, at, durationMs, 'success');
}

export function failed(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
  failure: AttemptFailure,
  verdict: Verdict,
): AttemptRecord {
  const error = { code: failure.code, message: failure.message, status: failure.status, verdict };
  return { ...record(provider, key, attempt, at, durationMs, 'failure'), error };
}
