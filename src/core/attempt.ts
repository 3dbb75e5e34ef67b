import type { Verdict } from './classify.js';

/** One line of a run's attempt record. Skipped providers get a line too, with attempt 0. */
export interface AttemptRecord {
  provider: string;
  /** 1-based attempt number for this provider; 0 when the provider was skipped. */
  attempt: number;
  startedAt: string;
  durationMs: number;
  /**
   * `verify`: after an ambiguous failure, the provider was asked what became of the idempotency
   * key (`verify` says what it answered); the line's `attempt` is the last attempt's number.
   */
  outcome: 'success' | 'failure' | 'skipped' | 'verify';
  /** Why a provider was not called. */
  skipped?: 'unhealthy' | 'deadline' | 'rate-limited' | undefined;
  /** How long this attempt waited for a slot of the provider's rate limit (ms), when it had to. */
  rateLimitedMs?: number | undefined;
  idempotencyKey: string;
  error?: AttemptErrorInfo | undefined;
  /** Set when a failover drill decided this attempt (failed it without a call, or slowed it). */
  drill?: boolean | undefined;
  /** Hedged calls made besides this attempt's first (same provider, same idempotency key). */
  hedged?: number | undefined;
  /** On a `verify` line: what the provider said of the key. */
  verify?: VerifyStatus | undefined;
  /** What went wrong without failing the attempt (a 2xx whose body is not valid JSON). */
  warnings?: AttemptWarning[] | undefined;
  /** Set when the result came from the result cache: no provider was called by this run. */
  cache?: { tag: string; storedAt: string; runId: string } | undefined;
}

export interface AttemptErrorInfo {
  code: string;
  message: string;
  status?: number | undefined;
  verdict: Verdict;
  /** On timeouts: how late the timer fired because the event loop was busy (ms). */
  lagMs?: number | undefined;
  /** Whether the request had left for the provider, when the target could tell. */
  sent?: boolean | undefined;
}

export interface AttemptWarning {
  code: string;
  message: string;
  /** The start of what the provider sent, when that is what the warning is about (at most 1 KiB). */
  raw?: string | undefined;
}

export type VerifyStatus = 'succeeded' | 'not-found' | 'unknown';
