import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import type { Claims, SealedSession, SessionRef } from '../core/session.js';
import { SessionInvalidError } from '../core/session-errors.js';
import { UnsupportedError, ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { OutboundFetch } from '../security/outbound-fetch.js';
import type { OutboundPolicy } from '../security/outbound-policy.js';
import {
  describeSession,
  type SessionDefinition,
  type SessionDescription,
  sessionDefinitionSchema,
} from './session-definition.js';
import { type JwksFetch, SessionVerifier } from './session-verifier.js';
import { parseSealKey, TokenSeal } from './token-seal.js';

/**
 * This process's session types. Kept in memory, never in Redis, so that secrets stay where they were
 * defined; worker and API processes define theirs in BACKSTOP_DEFINITIONS like code-first chains.
 */
export class SessionRegistry {
  private readonly verifiers = new Map<string, SessionVerifier>();
  private seal: Promise<TokenSeal> | undefined;

  constructor(
    private readonly clock: Clock,
    /** BACKSTOP_SESSION_KEY, when set: the key that seals tokens in job data. */
    private readonly configuredKey: string | undefined,
    /** Where the sealing key is kept when BACKSTOP_SESSION_KEY is not set (read on first use). */
    private readonly storedKey: () => Promise<{ redis: RedisClient; key: string }>,
    /** JWKS URLs are checked and fetched like any outbound call (no metadata service as an issuer). */
    private readonly outbound?: { policy: OutboundPolicy; fetch: OutboundFetch },
  ) {
    // A malformed key fails the process at start, naming the variable, not its first session job.
    if (configuredKey) this.seal = Promise.resolve(new TokenSeal(parseSealKey(configuredKey)));
  }

  async define(definition: SessionDefinition): Promise<SessionDescription> {
    const parsed = parseOrThrow(sessionDefinitionSchema, definition, 'invalid session definition');
    this.outbound?.policy.checkUrl(parsed.jwksUrl, 'jwksUrl', 'invalid session definition');
    const verifier = new SessionVerifier(parsed, this.clock, this.outbound?.fetch as JwksFetch | undefined);
    await verifier.prepare();
    this.verifiers.set(parsed.tag, verifier);
    return describeSession(parsed);
  }

  fetch(tag: string): SessionDescription | undefined {
    const verifier = this.verifiers.get(tag);
    return verifier && describeSession(verifier.definition);
  }

  list(): SessionDescription[] {
    return [...this.verifiers.values()].map((v) => describeSession(v.definition));
  }

  delete(tag: string): boolean {
    return this.verifiers.delete(tag);
  }

  /** The claims of a valid token; a SessionInvalidError (nothing called) otherwise. */
  verify(ref: SessionRef, field = 'session'): Promise<Claims> {
    return this.verifierOf(ref.tag, field).verify(ref.token);
  }

  /**
   * Issues a token for a secret-keyed session type, for callers that have no identity provider of
   * their own (and for tests). Public-key types are signed by their issuer, not by us.
   */
  async sign(params: { tag: string; claims?: Record<string, unknown>; expiresIn?: number | string }) {
    const verifier = this.verifierOf(params?.tag, 'tag');
    const { secret } = verifier.definition;
    if (secret === undefined) {
      throw new UnsupportedError(
        'tag',
        `session '${params.tag}' verifies tokens with a public key; its issuer signs them`,
      );
    }
    const claims = params.claims ?? {};
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims))
      throw ValidationError.field('claims', 'expected an object of claims');
    const lifetimeMs = parseDuration(params.expiresIn ?? '1h', 'expiresIn');
    const now = Math.floor(this.clock.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: verifier.algorithms[0]!, typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + Math.max(1, Math.round(lifetimeMs / 1000)));
    // A token this type would refuse is no use: fill the issuer and audience it checks, unless the
    // caller's claims name their own (the first issuer of a list; every audience of one).
    const { issuer, audience } = verifier.definition;
    if (issuer !== undefined && claims.iss === undefined)
      jwt.setIssuer(Array.isArray(issuer) ? issuer[0]! : issuer);
    if (audience !== undefined && claims.aud === undefined) jwt.setAudience(audience);
    return jwt.sign(new TextEncoder().encode(secret));
  }

  /** Verifies a token (at dispatch) and seals it for job data, bound to the job's identity. */
  async verifyAndSeal(ref: SessionRef, associated: string): Promise<SealedSession> {
    await this.verify(ref);
    const seal = await this.sealer();
    return { tag: ref.tag, sealed: seal.seal(ref.token, associated) };
  }

  /** Opens and verifies a job's sealed token again: it may have expired while the job waited. */
  async openAndVerify(sealed: SealedSession, associated: string): Promise<Claims> {
    const seal = await this.sealer();
    const token = seal.open(sealed.sealed, associated);
    if (token === undefined) {
      throw new SessionInvalidError(
        sealed.tag,
        'malformed',
        'the sealed token in the job does not open: BACKSTOP_SESSION_KEY differs from the dispatcher’s, or the job data was altered',
      );
    }
    return this.verify({ tag: sealed.tag, token });
  }

  private verifierOf(tag: string | undefined, field: string): SessionVerifier {
    const verifier = tag === undefined ? undefined : this.verifiers.get(tag);
    if (verifier) return verifier;
    const defined = [...this.verifiers.keys()].join(', ') || 'none';
    throw ValidationError.field(
      field === 'tag' ? 'tag' : `${field}.tag`,
      `no session type '${tag}' is defined in this process (defined: ${defined}); define it with session.define() (worker and API processes: in BACKSTOP_DEFINITIONS)`,
    );
  }

  /**
   * The sealing key: BACKSTOP_SESSION_KEY, or else one made once and kept in Redis, shared by every
   * process of the installation. The latter keeps tokens out of job data and dashboards, not away
   * from someone who can read Redis itself: set BACKSTOP_SESSION_KEY in production.
   */
  private sealer(): Promise<TokenSeal> {
    this.seal ??= (async () => {
      if (this.configuredKey) return new TokenSeal(parseSealKey(this.configuredKey));
      const { redis: client, key } = await this.storedKey();
      await client.set(key, randomBytes(32).toString('base64'), 'NX');
      const stored = await client.get(key);
      if (!stored) throw new Error('the session sealing key vanished from Redis');
      return new TokenSeal(Buffer.from(stored, 'base64'));
    })().catch((error) => {
      this.seal = undefined;
      throw error;
    });
    return this.seal;
  }
}
