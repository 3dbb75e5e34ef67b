import { BackstopError, ErrorCodes } from './errors.js';
import { ProviderError } from './provider-errors.js';

/** A failed attempt as a value: what the classifier and the attempt record see. */
export interface AttemptFailure {
  code: string;
  message: string;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  /** What the thrower said; undefined when it did not say. */
  retryable?: boolean | undefined;
  /**
   * Whether the request left for the provider: `false` when it never did (refused connection, a
   * timeout before connecting: calling another provider is safe), `true` when it reached or may
   * have reached it, undefined when the target cannot tell (treated as "may have").
   */
  sent?: boolean | undefined;
  /** The thrower says the provider may have acted (an in-progress 409, a handler's own say). */
  ambiguous?: boolean | undefined;
  /** The provider got this attempt's idempotency key, so its answer speaks for every call with that key. */
  keyed?: boolean | undefined;
  /** How late the attempt's timeout fired because the event loop was busy (ms), on timeouts. */
  lagMs?: number | undefined;
  /** The original error, untouched. */
  cause: unknown;
}

export function toFailure(error: unknown): AttemptFailure {
  if (error instanceof ProviderError) {
    return {
      code: error.code,
      message: error.message,
      status: error.status,
      retryAfterMs: error.retryAfterMs,
      retryable: error.retryable,
      sent: error.sent,
      ambiguous: error.ambiguous,
      keyed: error.keyed,
      lagMs: error.lagMs,
      cause: error,
    };
  }
  if (error instanceof BackstopError) {
    // Our own non-provider errors (validation of a mapping, a missing secret) are deterministic.
    return { code: error.code, message: error.message, retryable: false, sent: false, cause: error };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCodes.PROVIDER_ERROR, message, cause: error };
}
