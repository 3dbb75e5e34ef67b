import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { NamedApiKey } from './api-keys.js';
import type { AuthThrottle } from './auth-throttle.js';
import { HttpError, HttpErrorCodes } from './http-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request authenticated with; set by the auth hook. */
    apiKey: NamedApiKey | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * An onRequest hook: `Authorization: Bearer <key>`, or HTTP Basic with the key as the password (or
 * as the user name with an empty password), so that browsers can log in to the dashboard.
 * Unknown or missing key: 401 (the error handler adds `WWW-Authenticate: Basic` so browsers
 * prompt). A read-only key on a mutating method: 403. An address that presented too many wrong
 * keys is refused first, before any lookup: 429 with Retry-After.
 */
export function authenticate(keys: readonly NamedApiKey[], throttle: AuthThrottle) {
  // Keys are looked up by their SHA-256: the comparison never runs over the secret itself, so its
  // timing says nothing about how much of a guess was right.
  const byDigest = new Map(keys.map((k) => [digest(k.key), k]));
  // Callback style, not async: an async hook costs Fastify a promise round trip on every request.
  return function authenticateRequest(
    request: FastifyRequest,
    _reply: FastifyReply,
    done: (error?: Error) => void,
  ): void {
    const wait = throttle.retryAfter(request.ip);
    if (wait > 0) {
      const message = `too many wrong API keys from this address; retry in ${wait} s`;
      done(new HttpError(429, HttpErrorCodes.RATE_LIMITED, message, wait));
      return;
    }
    const presented = presentedKey(request.headers.authorization);
    const key = presented === undefined ? undefined : byDigest.get(digest(presented));
    if (!key) {
      // Only wrong keys count: a browser's first request, before its login prompt, sends none.
      if (presented !== undefined) throttle.fail(request.ip);
      const message =
        presented === undefined
          ? 'authentication required: send Authorization: Bearer <API key>'
          : 'unknown API key';
      done(new HttpError(401, HttpErrorCodes.UNAUTHORIZED, message));
      return;
    }
    if (key.scope !== 'write' && MUTATING.has(request.method)) {
      const message = `API key '${key.name}' is read-only; ${request.method} needs a key with scope write`;
      done(new HttpError(403, HttpErrorCodes.FORBIDDEN, message));
      return;
    }
    request.apiKey = key;
    done();
  };
}

/** The key in an Authorization header, or undefined when there is none or it is malformed. */
export function presentedKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (!value) return undefined;
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return password || user || undefined;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
