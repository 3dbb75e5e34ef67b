/**
 * Codes of the HTTP layer, beside the core's `ErrorCodes`: the client branches on `code` for these
 * as for any other Backstop error. Only src/http raises them.
 */
export const HttpErrorCodes = {
  UNAUTHORIZED: 'BACKSTOP_UNAUTHORIZED',
  FORBIDDEN: 'BACKSTOP_FORBIDDEN',
  RATE_LIMITED: 'BACKSTOP_RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'BACKSTOP_PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'BACKSTOP_UNSUPPORTED_MEDIA_TYPE',
  BAD_REQUEST: 'BACKSTOP_BAD_REQUEST',
  URI_TOO_LONG: 'BACKSTOP_URI_TOO_LONG',
  HEADERS_TOO_LARGE: 'BACKSTOP_HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'BACKSTOP_REQUEST_TIMEOUT',
  NOT_READY: 'BACKSTOP_NOT_READY',
  INTERNAL: 'BACKSTOP_INTERNAL',
} as const;

export type HttpErrorCode = (typeof HttpErrorCodes)[keyof typeof HttpErrorCodes];

/** An error whose HTTP status the HTTP layer decided (auth, rate limit). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: HttpErrorCode,
    message: string,
    /** Seconds for a Retry-After header (429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
