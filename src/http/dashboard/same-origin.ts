import type { FastifyRequest } from 'fastify';
import { HttpError, HttpErrorCodes } from '../http-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Browsers resend Basic credentials on their own, so another site could make a signed-in
 * browser retry, remove or clean jobs (CSRF). Writes must come from this origin: the board's own
 * UI always sends `Sec-Fetch-Site: same-origin` or a matching `Origin`. Clients that are not
 * browsers (curl, scripts with a Bearer key) send neither header and are let through.
 */
export async function rejectCrossSiteWrites(request: FastifyRequest): Promise<void> {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  // Sec-Fetch-Site is set by the browser and survives proxies that rewrite Host; Origin is the
  // fallback for browsers without it.
  const foreign =
    site !== undefined
      ? site !== 'same-origin' && site !== 'none'
      : origin !== undefined && !sameHost(origin, request.headers.host);
  if (foreign) {
    throw new HttpError(
      403,
      HttpErrorCodes.FORBIDDEN,
      'queue actions are only accepted from the dashboard itself (same origin)',
    );
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
