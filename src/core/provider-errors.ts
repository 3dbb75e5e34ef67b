import { BackstopError, ErrorCodes } from './errors.js';

export interface ProviderErrorOptions {
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
  code?: ProviderErrorCode;
  /** Whether the request reached (or may have reached) the provider; `false`: it never left. */
  sent?: boolean;
  /** The provider may have acted on the call (the chain's `onAmbiguous` decides what comes next). */
  ambiguous?: boolean;
  /** The provider received the attempt's idempotency key with this call. */
  keyed?: boolean;
  /** How late a timeout fired because the event loop was busy (ms). */
  lagMs?: number;
}

/**
 * A provider's failure. Handlers throw it to say how the failure should be treated; adapters
 * throw the subclasses below. Any other error thrown by a target is treated as retryable.
 */
export class ProviderError extends BackstopError {
  readonly status: number | undefined;
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;
  readonly sent: boolean | undefined;
  readonly ambiguous: boolean | undefined;
  readonly keyed: boolean | undefined;
  readonly lagMs: number | undefined;
  constructor(message: string, options: ProviderErrorOptions = {}) {
    super(options.code ?? ErrorCodes.PROVIDER_ERROR, message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.sent = options.sent;
    this.ambiguous = options.ambiguous;
    this.keyed = options.keyed;
    this.lagMs = options.lagMs;
  }
}

type ProviderErrorCode =
  | typeof ErrorCodes.PROVIDER_ERROR
  | typeof ErrorCodes.PROVIDER_HTTP
  | typeof ErrorCodes.PROVIDER_NETWORK
  | typeof ErrorCodes.ATTEMPT_TIMEOUT
  | typeof ErrorCodes.TARGET_UNAVAILABLE
  | typeof ErrorCodes.RATE_LIMITED
  | typeof ErrorCodes.DEADLINE_EXCEEDED
  | typeof ErrorCodes.RESPONSE_TOO_LARGE;

/** A non-2xx answer: carries the status and a short excerpt of the body. The request was sent. */
export class ProviderHttpError extends ProviderError {
  constructor(
    status: number,
    readonly bodyExcerpt: string,
    retryAfterMs?: number,
    extra: { keyed?: boolean; ambiguous?: boolean } = {},
  ) {
    super(`HTTP ${status}${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`, {
      status,
      code: ErrorCodes.PROVIDER_HTTP,
      sent: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...extra,
    });
  }
}

/**
 * The connection failed: refused, reset, DNS, TLS. Retryable; `sent` says whether it failed
 * before the request left (refused, DNS: nothing reached the provider) or after (a reset).
 */
export class ProviderNetworkError extends ProviderError {
  constructor(
    message: string,
    readonly networkCode: string | undefined,
    cause?: unknown,
    sent?: boolean,
  ) {
    super(message, {
      retryable: true,
      code: ErrorCodes.PROVIDER_NETWORK,
      cause,
      ...(sent === undefined ? {} : { sent }),
    });
  }
}

/** The attempt ran past its own timeout and was aborted. Retryable; ambiguous unless it never left. */
export class AttemptTimeoutError extends ProviderError {
  constructor(
    readonly timeoutMs: number,
    sent?: boolean,
    lagMs?: number,
  ) {
    super(`attempt timed out after ${timeoutMs} ms${sent === false ? ' before the request was sent' : ''}`, {
      retryable: true,
      code: ErrorCodes.ATTEMPT_TIMEOUT,
      ...(sent === undefined ? {} : { sent }),
      ...(lagMs ? { lagMs } : {}),
    });
  }
}

/**
 * A provider answered 2xx with a body over the action's `maxResponseBytes`: it acted, but its
 * answer cannot be read, so the call counts as ambiguous (nothing larger than the limit is kept).
 */
export class ResponseTooLargeError extends ProviderError {
  constructor(
    readonly limitBytes: number,
    status: number,
    keyed: boolean,
  ) {
    super(`HTTP ${status} answer is larger than the limit of ${limitBytes} bytes (maxResponseBytes)`, {
      status,
      code: ErrorCodes.RESPONSE_TOO_LARGE,
      sent: true,
      ambiguous: true,
      keyed,
    });
  }
}

/** The target cannot be called as configured (no adapter, unknown app, no env): fail over, no retry. */
export class TargetUnavailableError extends ProviderError {
  constructor(message: string) {
    super(message, { retryable: false, sent: false, code: ErrorCodes.TARGET_UNAVAILABLE });
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
