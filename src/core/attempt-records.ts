import type { AttemptRecord } from './attempt.js';
import type { ProviderSpec } from './chain.js';
import type { Verdict } from './classify.js';
import type { AttemptFailure } from './failure.js';

export function skipped(provider: ProviderSpec, key: string, at: number, why: 'unhealthy'): AttemptRecord {
  return {
    provider: provider.name,
    attempt: 0,
    startedAt: new Date(at).toISOString(),
    durationMs: 0,
    outcome: 'skipped',
    skipped: why,
    idempotencyKey: key,
  };
}

export function succeeded(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
): AttemptRecord {
  return {
    provider: provider.name,
    attempt,
    startedAt: new Date(at).toISOString(),
    durationMs,
    outcome: 'success',
    idempotencyKey: key,
  };
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
  return {
    provider: provider.name,
    attempt,
    startedAt: new Date(at).toISOString(),
    durationMs,
    outcome: 'failure',
    idempotencyKey: key,
    error: { code: failure.code, message: failure.message, status: failure.status, verdict },
  };
}
