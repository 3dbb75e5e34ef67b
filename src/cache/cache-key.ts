import { createHash } from 'node:crypto';
import { stableJson } from '../core/stable-json.js';
import { TIME_CLAIMS } from '../session/session-verifier.js';

/** What makes two runs the same run, for the result cache. */
export interface CacheScope {
  cacheTag: string;
  product: string;
  env: string;
  /** The fallback's (or feature's) tag. */
  tag: string;
  /** The definition's version: a changed chain maps results differently, so it must not reuse them. */
  version: number;
  input: unknown;
  /** Verified session claims: one user's cached result is never served to another. */
  session?: Readonly<Record<string, unknown>> | undefined;
  /** Set for a quota: its results never mix with a fallback's of the same tag. */
  quota?: true | undefined;
}

/**
 * A stable hash of the run's input (and session identity): sha256 of sorted-key JSON. The claims
 * that only date a token (iat, exp, nbf, jti) are left out, so the same user's next token still hits.
 */
export function cacheHash(scope: CacheScope): string {
  const identity = scope.session
    ? Object.fromEntries(Object.entries(scope.session).filter(([k]) => !TIME_CLAIMS.has(k)))
    : undefined;
  return createHash('sha256')
    .update(
      stableJson(
        scope.quota
          ? { v: scope.version, input: scope.input, session: identity, quota: true }
          : { v: scope.version, input: scope.input, session: identity },
      ),
    )
    .digest('base64url');
}

/** What identifies a run for the result cache, but the cache's tag. */
export function cacheScopeOf(
  definition: { product: string; tag: string; version: number },
  env: string,
  input: unknown,
  session: Readonly<Record<string, unknown>> | undefined,
): Omit<CacheScope, 'cacheTag'> {
  return {
    product: definition.product,
    env,
    tag: definition.tag,
    version: definition.version,
    input,
    session,
  };
}
