/**
 * Every error Backstop raises has a stable string code and carries data, so callers branch on
 * `error.code`, never on message text. Errors that are not ours are re-thrown untouched.
 */
export const ErrorCodes = {
  VALIDATION: 'BACKSTOP_VALIDATION',
  NOT_FOUND: 'BACKSTOP_NOT_FOUND',
  CONFLICT: 'BACKSTOP_CONFLICT',
  UNSUPPORTED: 'BACKSTOP_UNSUPPORTED',
  FALLBACK_EXHAUSTED: 'BACKSTOP_FALLBACK_EXHAUSTED',
  FALLBACK_STOPPED: 'BACKSTOP_FALLBACK_STOPPED',
  FALLBACK_AMBIGUOUS: 'BACKSTOP_FALLBACK_AMBIGUOUS',
  DEADLINE_EXCEEDED: 'BACKSTOP_DEADLINE_EXCEEDED',
  ABORTED: 'BACKSTOP_ABORTED',
  PROVIDER_HTTP: 'BACKSTOP_PROVIDER_HTTP',
  PROVIDER_NETWORK: 'BACKSTOP_PROVIDER_NETWORK',
  PROVIDER_ERROR: 'BACKSTOP_PROVIDER_ERROR',
  ATTEMPT_TIMEOUT: 'BACKSTOP_ATTEMPT_TIMEOUT',
  TARGET_UNAVAILABLE: 'BACKSTOP_TARGET_UNAVAILABLE',
  MAPPING_FAILED: 'BACKSTOP_MAPPING_FAILED',
  RESPONSE_TOO_LARGE: 'BACKSTOP_RESPONSE_TOO_LARGE',
  INVALID_JSON: 'BACKSTOP_INVALID_JSON',
  REDIS_UNAVAILABLE: 'BACKSTOP_REDIS_UNAVAILABLE',
  REDIS_FULL: 'BACKSTOP_REDIS_FULL',
  WAIT_TIMEOUT: 'BACKSTOP_WAIT_TIMEOUT',
  WORKER_FAILED: 'BACKSTOP_WORKER_FAILED',
  SESSION_INVALID: 'BACKSTOP_SESSION_INVALID',
  FEATURE_STEP_FAILED: 'BACKSTOP_FEATURE_STEP_FAILED',
  RATE_LIMITED: 'BACKSTOP_RATE_LIMITED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class BackstopError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export function isBackstopError(error: unknown): error is BackstopError {
  return error instanceof BackstopError;
}
