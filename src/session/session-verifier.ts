import {
  type CryptoKey,
  createRemoteJWKSet,
  customFetch,
  importJWK,
  importSPKI,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyObject,
} from 'jose';
import type { Clock } from '../core/clock.js';
import { compileInputSchema, type InputValidator } from '../core/input-schema.js';
import { type SessionFailureReason, SessionInvalidError } from '../core/session-errors.js';
import { ValidationError } from '../core/validation-error.js';
import { allowedAlgorithms, type ParsedSessionDefinition } from './session-definition.js';

type Key = CryptoKey | KeyObject | Uint8Array | JWTVerifyGetKey;

/** How a JWKS is downloaded (jose's `customFetch`). */
export type JwksFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Claims that only say when a token was made or how it is identified: not who the session is. */
export const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf', 'jti']);

/**
 * Verifies one session type's tokens with jose: signature, algorithm allow-list (never `none`),
 * `exp` / `nbf` against our clock, issuer and audience, then the claims schema. Keys are prepared
 * once; a JWKS is fetched on first use, cached, and refetched when a token names an unknown `kid`.
 */
export class SessionVerifier {
  readonly algorithms: string[];
  private key: Promise<Key> | undefined;
  private readonly validateClaims: InputValidator | undefined;

  constructor(
    readonly definition: ParsedSessionDefinition,
    private readonly clock: Clock,
    /** How the JWKS is downloaded: through the outbound policy. */
    private readonly fetch?: JwksFetch,
  ) {
    this.algorithms = allowedAlgorithms(definition);
    this.validateClaims = definition.schema ? compileInputSchema(definition.schema) : undefined;
  }

  /** Checks the keys can be used (a bad PEM is a definition error, not a token error). */
  async prepare(): Promise<void> {
    await this.keyOf();
  }

  async verify(token: string): Promise<Record<string, unknown>> {
    const d = this.definition;
    if (typeof token !== 'string' || token === '') {
      throw new SessionInvalidError(d.tag, 'malformed', 'expected a token (a signed JWT)');
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, (await this.keyOf()) as Uint8Array, {
        algorithms: this.algorithms,
        issuer: d.issuer,
        audience: d.audience,
        clockTolerance: d.clockTolerance ?? 0,
        currentDate: new Date(this.clock.now()),
        requiredClaims: d.requireExpiry === false ? [] : ['exp'],
      }));
    } catch (error) {
      throw refusal(d.tag, error);
    }
    if (!this.validateClaims) return payload;
    try {
      return this.validateClaims(payload);
    } catch (error) {
      const detail =
        error instanceof ValidationError
          ? error.issues
              .map((i) => `claim ${i.path.replace(/^input\.?/, '') || '(root)'}: ${i.message}`)
              .join('; ')
          : String(error);
      throw new SessionInvalidError(d.tag, 'claims', detail);
    }
  }

  private keyOf(): Promise<Key> {
    this.key ??= this.loadKey().catch((error) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async loadKey(): Promise<Key> {
    const d = this.definition;
    if (d.secret !== undefined) return hmacKeys(d.secret);
    if (d.jwksUrl !== undefined) {
      return createRemoteJWKSet(new URL(d.jwksUrl), {
        timeoutDuration: 5_000,
        cooldownDuration: 30_000,
        ...(this.fetch ? { [customFetch]: this.fetch } : {}),
      });
    }
    try {
      if (typeof d.publicKey === 'string') return await importSPKI(d.publicKey, this.algorithms[0]!);
      return await importJWK(d.publicKey as JWK, (d.publicKey as JWK).alg ?? this.algorithms[0]);
    } catch (error) {
      throw ValidationError.field(
        'publicKey',
        `could not be read as a ${this.algorithms[0]} key: ${(error as Error).message}`,
        `session '${d.tag}'`,
      );
    }
  }
}

/**
 * The secret imported once as a WebCrypto key per HS algorithm. Handed raw bytes, jose imports
 * them again on every verify; that import was a third of the cost of verifying a token.
 */
function hmacKeys(secret: string): JWTVerifyGetKey {
  const bytes = new TextEncoder().encode(secret);
  const keys = new Map<string, Promise<CryptoKey>>();
  return (header) => {
    const alg = header.alg ?? '';
    let key = keys.get(alg);
    if (!key) {
      // An algorithm outside the allow-list never gets here: jose checks the list first.
      const hash = `SHA-${alg.slice(2)}`;
      key = crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash }, false, ['verify']);
      keys.set(alg, key);
    }
    return key;
  };
}

/** jose's error codes, in our words. The token never appears in the message. */
function refusal(tag: string, error: unknown): SessionInvalidError {
  const e = error as { code?: string; claim?: string; reason?: string; message?: string };
  const [reason, detail]: [SessionFailureReason, string] = (() => {
    switch (e.code) {
      case 'ERR_JWT_EXPIRED':
        return ['expired', 'the token has expired'];
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
        if (e.claim === 'nbf') return ['not-yet-valid', 'the token is not valid yet (nbf)'];
        if (e.claim === 'exp')
          return ['claims', 'the token has no expiry (exp); this session type requires one'];
        return ['claims', `claim ${e.claim}: ${e.message}`];
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
        return ['algorithm', 'the token is signed with an algorithm this session type does not allow'];
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return ['signature', 'the signature does not verify'];
      case 'ERR_JWKS_NO_MATCHING_KEY':
      case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
        return ['signature', 'no key of the issuer verifies this token'];
      case 'ERR_JWKS_TIMEOUT':
      case 'ERR_JWKS_INVALID':
        return ['keys-unavailable', `the issuer's keys could not be fetched: ${e.message}`];
      case 'ERR_JOSE_NOT_SUPPORTED':
        return ['algorithm', `unsupported token: ${e.message}`];
      case 'ERR_JWS_INVALID':
      case 'ERR_JWT_INVALID':
        return ['malformed', `not a valid signed JWT: ${e.message}`];
      default:
        // A failed fetch of the JWKS surfaces as a plain network error.
        if (error instanceof TypeError || (e.code ?? '').startsWith('ECONN'))
          return ['keys-unavailable', `the issuer's keys could not be fetched: ${e.message}`];
        return ['malformed', e.message ?? String(error)];
    }
  })();
  return new SessionInvalidError(tag, reason, detail);
}
