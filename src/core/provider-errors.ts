import { BackstopError, ErrorCodes } from './errors.js';

/**
 * A provider's failure. Handlers throw it to say how the failure should be treated; adapters
 * throw the subclasses below. Any other error thrown by a target is treated as retryable.
 */
export class ProviderError extends BackstopError {
  readonly status: number | undefined;
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: {
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
      code?: ProviderErrorCode;
    } = {},
  ) {
    super(options.code ?? ErrorCodes.PROVIDER_ERROR, message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

type ProviderErrorCode =
  | typeof ErrorCodes.PROVIDER_ERROR
  | typeof ErrorCodes.PROVIDER_HTTP
  | typeof ErrorCodes.PROVIDER_NETWORK
  | typeof ErrorCodes.ATTEMPT_TIMEOUT
  | typeof ErrorCodes.TARGET_UNAVAILABLE
  | typeof ErrorCodes.DEADLINE_EXCEEDED;

/** A non-2xx answer: carries the status and a short excerpt of the body. */
export class ProviderHttpError extends ProviderError {
  constructor(
    status: number,
    readonly bodyExcerpt: string,
    retryAfterMs?: number,
  ) {
    super(`HTTP ${status}${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`, {
      status,
      code: ErrorCodes.PROVIDER_HTTP,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

/** The connection failed: refused, reset, DNS, TLS. Always retryable. */
export class ProviderNetworkError extends ProviderError {
  constructor(
    message: string,
    readonly networkCode: string | undefined,
    cause?: unknown,
  ) {
    super(message, { retryable: true, code: ErrorCodes.PROVIDER_NETWORK, cause });
  }
}

/** The attempt ran past its own timeout and was aborted. Retryable. */
export class AttemptTimeoutError extends ProviderError {
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`, { retryable: true, code: ErrorCodes.ATTEMPT_TIMEOUT });
  }
}

/** The target cannot be called as configured (no adapter, unknown app, no env): fail over, no retry. */
export class TargetUnavailableError extends ProviderError {
  constructor(message: string) {
    super(message, { retryable: false, code: ErrorCodes.TARGET_UNAVAILABLE });
  }
}

/** The reason a run's signal carries when its deadline passes, so the attempt in flight says why. */
export class DeadlineReachedError extends ProviderError {
  constructor(readonly deadlineMs: number) {
    super(`run deadline of ${deadlineMs} ms reached`, {
      retryable: false,
      code: ErrorCodes.DEADLINE_EXCEEDED,
    });
  }
}
