import type { AttemptRecord, AttemptWarning, VerifyStatus } from './attempt.js';
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

export function skipped(
  provider: ProviderSpec,
  key: string,
  at: number,
  why: 'unhealthy' | 'rate-limited',
): AttemptRecord {
  return { ...record(provider, key, 0, at, 0, 'skipped'), skipped: why };
}

export function succeeded(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
  warnings?: AttemptWarning[],
): AttemptRecord {
  const line = record(provider, key, attempt, at, durationMs, 'success');
  if (warnings) line.warnings = warnings;
  return line;
}

export function failed(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
  failure: AttemptFailure,
  verdict: Verdict,
  warnings?: AttemptWarning[],
): AttemptRecord {
  const error: AttemptRecord['error'] = {
    code: failure.code,
    message: failure.message,
    status: failure.status,
    verdict,
  };
  if (failure.lagMs !== undefined) error.lagMs = failure.lagMs;
  if (failure.sent !== undefined) error.sent = failure.sent;
  const line: AttemptRecord = { ...record(provider, key, attempt, at, durationMs, 'failure'), error };
  if (warnings) line.warnings = warnings;
  return line;
}

/** The provider was asked what became of an ambiguous call; `failure` when asking itself failed. */
export function verified(
  provider: ProviderSpec,
  key: string,
  attempt: number,
  at: number,
  durationMs: number,
  status: VerifyStatus,
  failure?: AttemptFailure,
): AttemptRecord {
  const line: AttemptRecord = { ...record(provider, key, attempt, at, durationMs, 'verify'), verify: status };
  if (failure) {
    line.error = { code: failure.code, message: failure.message, status: failure.status, verdict: 'stop' };
  }
  return line;
}
