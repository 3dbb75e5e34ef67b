import { ErrorCodes } from './errors.js';
import type { AttemptFailure } from './failure.js';

/**
 * What a failure means, decided before and apart from what the engine does about it:
 * - `retry`: the provider refused (it answered, or the request never left); try it again if it
 *   has retries left, otherwise fail over: no other provider can have been charged by it;
 * - `ambiguous`: the provider may have acted (a timeout or a reset after the request was sent, a
 *   502/504 from a gateway in front of it, an idempotency key still in use). Retried on the same
 *   provider with the same key (safe); when its retries are used up the chain's `onAmbiguous`
 *   decides between failing over, stopping, and asking the provider (verify);
 * - `failover`: skip this provider's remaining retries and move to the next provider;
 * - `stop`: end the whole chain now (a card declined must not be charged elsewhere).
 */
export type Verdict = 'retry' | 'ambiguous' | 'failover' | 'stop';

export type ErrorClassifier = (failure: AttemptFailure) => Verdict;

/** A user classifier may return undefined to defer to the next rule. */
export type UserClassifier = (failure: AttemptFailure) => Verdict | undefined;

const RETRYABLE_STATUS = new Set([408, 429]);
/** A gateway in front of the provider lost its answer: the provider may have acted. */
const AMBIGUOUS_STATUS = new Set([502, 504]);

/**
 * Timeouts and network failures after the request was sent, 502 and 504 are ambiguous; the same
 * before it was sent, other 5xx, 408 and 429 are retryable refusals; other 4xx fail over.
 */
export function defaultClassify(failure: AttemptFailure): Verdict {
  if (failure.ambiguous) return 'ambiguous';
  const status = failure.status;
  if (status !== undefined) {
    if (AMBIGUOUS_STATUS.has(status)) return 'ambiguous';
    if (failure.retryable !== undefined) return failure.retryable ? 'retry' : 'failover';
    return status >= 500 || RETRYABLE_STATUS.has(status) ? 'retry' : 'failover';
  }
  if (failure.code === ErrorCodes.ATTEMPT_TIMEOUT || failure.code === ErrorCodes.PROVIDER_NETWORK)
    return failure.sent === false ? 'retry' : 'ambiguous';
  if (failure.retryable !== undefined) return failure.retryable ? 'retry' : 'failover';
  return 'retry';
}

export interface ErrorPolicy {
  /** HTTP statuses that end the chain instead of failing over (e.g. 402 card declined). */
  stopOnStatus?: readonly number[] | undefined;
  /** Error codes (`BACKSTOP_…` or your handlers' codes) that end the chain. */
  stopOnCodes?: readonly string[] | undefined;
  /** Extra HTTP statuses to retry as refusals (e.g. a 502 your gateway sends only before forwarding). */
  retryOnStatus?: readonly number[] | undefined;
  /** Extra HTTP statuses that mean the provider may have acted (e.g. 500 for a provider that fails after charging). */
  ambiguousOnStatus?: readonly number[] | undefined;
  /** Your own rule, consulted first; return undefined to fall through to the rules above. */
  classify?: UserClassifier | undefined;
}

export function buildClassifier(policy: ErrorPolicy = {}): ErrorClassifier {
  const stopStatus = new Set(policy.stopOnStatus ?? []);
  const stopCodes = new Set(policy.stopOnCodes ?? []);
  const retryStatus = new Set(policy.retryOnStatus ?? []);
  const ambiguousStatus = new Set(policy.ambiguousOnStatus ?? []);
  const user = policy.classify;
  const rules = stopStatus.size + stopCodes.size + retryStatus.size + ambiguousStatus.size;
  if (!user && rules === 0) return defaultClassify;
  return (failure) => {
    const verdict = user?.(failure);
    if (verdict) return verdict;
    const { status } = failure;
    if (status !== undefined && stopStatus.has(status)) return 'stop';
    if (stopCodes.has(failure.code)) return 'stop';
    if (status !== undefined && ambiguousStatus.has(status)) return 'ambiguous';
    if (status !== undefined && retryStatus.has(status)) return 'retry';
    return defaultClassify(failure);
  };
}
