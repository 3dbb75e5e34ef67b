import type { AttemptFailure } from './failure.js';

/**
 * What a failure means, decided before and apart from what the engine does about it:
 * - `retry`: try the same provider again (if it has retries left, otherwise fail over);
 * - `failover`: skip this provider's remaining retries and move to the next provider;
 * - `stop`: end the whole chain now (a card declined must not be charged elsewhere).
 */
export type Verdict = 'retry' | 'failover' | 'stop';

export type ErrorClassifier = (failure: AttemptFailure) => Verdict;

/** A user classifier may return undefined to defer to the next rule. */
export type UserClassifier = (failure: AttemptFailure) => Verdict | undefined;

const RETRYABLE_STATUS = new Set([408, 429]);

/** Network errors, timeouts, 5xx, 408 and 429 are retryable; other 4xx fail over. */
export function defaultClassify(failure: AttemptFailure): Verdict {
  if (failure.retryable !== undefined) return failure.retryable ? 'retry' : 'failover';
  const status = failure.status;
  if (status === undefined) return 'retry';
  if (status >= 500 || RETRYABLE_STATUS.has(status)) return 'retry';
  return 'failover';
}

export interface ErrorPolicy {
  /** HTTP statuses that end the chain instead of failing over (e.g. 402 card declined). */
  stopOnStatus?: readonly number[] | undefined;
  /** Error codes (`BACKSTOP_…` or your handlers' codes) that end the chain. */
  stopOnCodes?: readonly string[] | undefined;
  /** Extra HTTP statuses to retry (e.g. 409 for a provider that uses it for "in progress"). */
  retryOnStatus?: readonly number[] | undefined;
  /** Your own rule, consulted first; return undefined to fall through to the rules above. */
  classify?: UserClassifier | undefined;
}

export function buildClassifier(policy: ErrorPolicy = {}): ErrorClassifier {
  const stopStatus = new Set(policy.stopOnStatus ?? []);
  const stopCodes = new Set(policy.stopOnCodes ?? []);
  const retryStatus = new Set(policy.retryOnStatus ?? []);
  const user = policy.classify;
  if (!user && stopStatus.size === 0 && stopCodes.size === 0 && retryStatus.size === 0)
    return defaultClassify;
  return (failure) => {
    const verdict = user?.(failure);
    if (verdict) return verdict;
    if (failure.status !== undefined && stopStatus.has(failure.status)) return 'stop';
    if (stopCodes.has(failure.code)) return 'stop';
    if (failure.status !== undefined && retryStatus.has(failure.status)) return 'retry';
    return defaultClassify(failure);
  };
}
