import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isBackstopError } from '../core/errors.js';
import { FeatureStepFailedError } from '../core/feature/feature-errors.js';
import type { Logger } from '../core/logger.js';
import { FallbackRunError } from '../core/run-errors.js';
import { SessionInvalidError } from '../core/session-errors.js';
import { NotFoundError, UnsupportedError, ValidationError } from '../core/validation-error.js';
import { HttpError, HttpErrorCodes } from './http-error.js';

export interface ErrorReply {
  status: number;
  body: Record<string, unknown>;
}

/** Status of each core code; a code missing here is a bug of ours, answered 500. */
const STATUS_OF_CODE: Record<string, number> = {
  [ErrorCodes.VALIDATION]: 400,
  [ErrorCodes.UNSUPPORTED]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.CONFLICT]: 409,
  [ErrorCodes.REDIS_UNAVAILABLE]: 503,
  [ErrorCodes.REDIS_FULL]: 503,
  [ErrorCodes.WAIT_TIMEOUT]: 504,
  // A chain that returned no result: the upstream providers failed, not this server.
  [ErrorCodes.FALLBACK_EXHAUSTED]: 502,
  [ErrorCodes.FALLBACK_STOPPED]: 502,
  [ErrorCodes.FALLBACK_AMBIGUOUS]: 502,
  [ErrorCodes.DEADLINE_EXCEEDED]: 502,
  [ErrorCodes.MAPPING_FAILED]: 502,
  [ErrorCodes.ABORTED]: 502,
  [ErrorCodes.WORKER_FAILED]: 502,
};

/**
 * The one place errors become HTTP answers. Ours map by code; fastify's own client errors (bad
 * JSON, body too large, bad media type) get a code too; everything else is a 500 whose details go
 * to the log, never to the client.
 */
export function errorHandler(logger: Logger, bodyLimitBytes: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toReply(error, bodyLimitBytes);
    if (status === 500) {
      logger.error(
        { err: error, reqId: request.id, method: request.method, url: request.url },
        'unexpected error',
      );
      body.requestId = request.id;
    }
    if (status === 401) {
      // A refused session token is a bearer token's refusal (RFC 6750), not a missing API key.
      const session = error instanceof SessionInvalidError;
      reply.header('www-authenticate', session ? 'Bearer error="invalid_token"' : 'Basic realm="backstop"');
    }
    if (status === 503) reply.header('retry-after', '5');
    if (error instanceof HttpError && error.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.status(status).send(body);
  };
}

export function toReply(error: unknown, bodyLimitBytes: number): ErrorReply {
  if (error instanceof ValidationError) {
    return { status: 400, body: { code: error.code, message: error.message, issues: error.issues } };
  }
  if (error instanceof FallbackRunError || error instanceof FeatureStepFailedError) {
    return { status: 502, body: error.toJSON() };
  }
  // The issuer's keys out of reach is our trouble (503); any other refusal is the caller's token.
  if (error instanceof SessionInvalidError) {
    return { status: error.reason === 'keys-unavailable' ? 503 : 401, body: error.toJSON() };
  }
  if (error instanceof NotFoundError) {
    const { code, message, kind, tag, product } = error;
    return { status: 404, body: { code, message, kind, tag, ...(product ? { product } : {}) } };
  }
  if (error instanceof UnsupportedError) {
    // The shape of a validation error (what the document describes for 400), naming the field.
    const issues = [{ path: error.field, message: error.message.slice(error.field.length + 2) }];
    return { status: 400, body: { code: error.code, message: error.message, field: error.field, issues } };
  }
  if (isBackstopError(error)) {
    const status = STATUS_OF_CODE[error.code];
    if (status) return { status, body: { code: error.code, message: error.message } };
  }
  if (error instanceof HttpError) {
    return { status: error.statusCode, body: { code: error.code, message: error.message } };
  }
  const fastifyReply = fromFastify(error as FastifyError, bodyLimitBytes);
  if (fastifyReply) return fastifyReply;
  return { status: 500, body: { code: HttpErrorCodes.INTERNAL, message: 'internal error' } };
}

/**
 * Fastify's own errors about what the client sent: 4xx, with a code of ours and words of ours (its
 * messages quote the URL or the body, and nothing a client sent is echoed back).
 */
function fromFastify(error: FastifyError, bodyLimitBytes: number): ErrorReply | undefined {
  if (typeof error?.code !== 'string' || !error.code.startsWith('FST_')) return undefined;
  const status = error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply(
        413,
        HttpErrorCodes.PAYLOAD_TOO_LARGE,
        `request body is over the limit of ${bodyLimitBytes} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': {
      const issue = { path: '', message: 'expected a JSON body' };
      const message = 'invalid request body: body is not valid JSON';
      return { status: 400, body: { code: ErrorCodes.VALIDATION, message, issues: [issue] } };
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply(415, HttpErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'send JSON: Content-Type: application/json');
    case 'FST_ERR_BAD_URL':
      return reply(400, HttpErrorCodes.BAD_REQUEST, 'the URL is malformed (a bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return reply(
        414,
        HttpErrorCodes.URI_TOO_LONG,
        `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
      );
    default:
      return reply(status, HttpErrorCodes.BAD_REQUEST, `the request was refused (HTTP ${status})`);
  }
}

/** The longest path parameter the router takes: above every tag (128) and id (256), percent-encoded. */
export const MAX_PARAM_LENGTH = 1_024;

/**
 * What Node's HTTP parser refuses before any route runs (a malformed request line, headers over
 * the size limit, a request too slow to arrive): the same JSON shape and codes as every other
 * error, written on the socket since there is no request object to answer through.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, HttpErrorCodes.HEADERS_TOO_LARGE, 'request headers are over the size limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, HttpErrorCodes.REQUEST_TIMEOUT, 'the request took too long to arrive']
        : [400, HttpErrorCodes.BAD_REQUEST, 'the request is not valid HTTP'];
  const body = JSON.stringify({ code, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function reply(status: number, code: string, message: string): ErrorReply {
  return { status, body: { code, message } };
}
