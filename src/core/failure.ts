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
      cause: error,
    };
  }
  if (error instanceof BackstopError) {
    // Our own non-provider errors (validation of a mapping, a missing secret) are deterministic.
    return { code: error.code, message: error.message, retryable: false, cause: error };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCodes.PROVIDER_ERROR, message, cause: error };
}
