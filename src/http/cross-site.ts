import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, HttpErrorCodes } from './http-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Browsers resend Basic credentials on their own, so another site could make a signed-in operator's
 * browser run a chain, dispatch jobs, change definitions or act on queues (CSRF: a body-less
 * `fetch(…, { method: 'POST', mode: 'no-cors', credentials: 'include' })` needs no CORS). Every
 * state-changing request must come from this origin: browsers send `Sec-Fetch-Site: same-origin`
 * (or an `Origin` naming this host) for the dashboard's own writes. Clients that are not browsers
 * (curl, scripts with a Bearer key) send neither header and are let through. Reads are not
 * checked: without CORS, another site cannot read the answer.
 *
 * An onRequest hook, run before authentication: a cross-site write is refused whatever key it carries.
 */
export function rejectCrossSiteWrites(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
): void {
  if (SAFE_METHODS.has(request.method)) {
    done();
    return;
  }
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  // Sec-Fetch-Site is set by the browser and survives proxies that rewrite Host; Origin is the
  // fallback for browsers without it. `same-site` is another origin (a sibling subdomain or port).
  const foreign =
    site !== undefined
      ? site !== 'same-origin' && site !== 'none'
      : origin !== undefined && !sameHost(origin, request.headers.host);
  if (!foreign) {
    done();
    return;
  }
  done(
    new HttpError(
      403,
      HttpErrorCodes.FORBIDDEN,
      'state-changing requests are only accepted from the same origin (this server or a client that is not a browser)',
    ),
  );
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
