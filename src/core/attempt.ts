import type { Verdict } from './classify.js';

/** One line of a run's attempt record. Skipped providers get a line too, with attempt 0. */
export interface AttemptRecord {
  provider: string;
  /** 1-based attempt number for this provider; 0 when the provider was skipped. */
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: 'success' | 'failure' | 'skipped';
  /** Why a provider was not called. */
  skipped?: 'unhealthy' | 'deadline' | undefined;
  idempotencyKey: string;
  error?: AttemptErrorInfo | undefined;
  /** Hedged calls made besides this attempt's first (same provider, same idempotency key). */
  hedged?: number | undefined;
  /** Set when the result came from the result cache: no provider was called by this run. */
  cache?: { tag: string; storedAt: string; runId: string } | undefined;
}

export interface AttemptErrorInfo {
  code: string;
  message: string;
  status?: number | undefined;
  verdict: Verdict;
}
