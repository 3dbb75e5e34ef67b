import { z } from 'zod';
import { tagSchema } from '../core/definition/common-schema.js';
import { inputSchemaSchema } from '../core/input-schema.js';

/** Algorithms a session type may allow. `none` is not among them, on purpose. */
export const SESSION_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export type SessionAlgorithm = (typeof SESSION_ALGORITHMS)[number];

const HMAC = new Set<string>(['HS256', 'HS384', 'HS512']);

/** HS256 with a short secret can be brute-forced offline from any one token (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

const KEY_SOURCES = {
  secret: `a shared secret of at least ${MIN_SECRET_BYTES} bytes`,
  publicKey: 'a PEM (SPKI) public key or a JWK object',
  jwksUrl: "the URL of the issuer's JWKS",
} as const;

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * `session.define({ tag, secret | publicKey | jwksUrl, algorithms, schema })`: a session type whose
 * tokens are JWTs. Exactly one source of keys; the algorithms are an allow-list.
 */
export const sessionDefinitionSchema = z
  .strictObject({
    tag: tagSchema,
    /** Shared secret for HS256/384/512, at least 32 bytes. */
    secret: z
      .string()
      .refine((s) => Buffer.byteLength(s) >= MIN_SECRET_BYTES, {
        message: `expected at least ${MIN_SECRET_BYTES} bytes: a shorter HMAC secret can be guessed from one token`,
      })
      .optional(),
    /** A public key: PEM (SPKI) or a JWK object. */
    publicKey: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** Where the issuer publishes its keys (JWKS); fetched and cached, refetched for an unknown `kid`. */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    algorithms: z
      .array(
        z.enum(SESSION_ALGORITHMS, {
          error: (issue) =>
            issue.input === 'none'
              ? "'none' is never allowed: an unsigned token proves nothing"
              : `expected one of ${SESSION_ALGORITHMS.join(', ')}`,
        }),
      )
      .min(1)
      .optional(),
    /** Claims every token must carry, with their types (the same form as a fallback's `input`). */
    schema: inputSchemaSchema.optional(),
    issuer: stringOrList.optional(),
    audience: stringOrList.optional(),
    /** Leeway for `exp` and `nbf`, in seconds (clock skew between issuer and us). Default 0. */
    clockTolerance: z.number().int().min(0).max(300).optional(),
    /** Tokens without `exp` are refused unless this is false: a token that never expires cannot be revoked. */
    requireExpiry: z.boolean().optional(),
    description: z.string().optional(),
  })
  .superRefine((d, ctx) => {
    const sources = (['secret', 'publicKey', 'jwksUrl'] as const).filter((k) => d[k] !== undefined);
    // `secret: process.env.X` with X unset arrives as a key whose value is undefined: say so,
    // rather than ask for one of three fields when the caller did pass one.
    const unset = (['secret', 'publicKey', 'jwksUrl'] as const).filter((k) => k in d && d[k] === undefined);
    if (sources.length === 0 && unset.length > 0) {
      for (const key of unset) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is undefined: the value passed (an environment variable that is not set?) is missing; expected ${KEY_SOURCES[key]}`,
        });
      }
      return;
    }
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: sources.length === 0 ? ['secret'] : [sources[1]!],
        message: `expected exactly one of secret, publicKey or jwksUrl${sources.length ? ` (got ${sources.join(' and ')})` : ''}`,
      });
      return;
    }
    const algorithms = d.algorithms ?? [];
    const hmac = d.secret !== undefined;
    const wrong = algorithms.filter((a) => HMAC.has(a) !== hmac);
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: hmac
          ? `a secret signs with HS256, HS384 or HS512, not ${wrong.join(', ')}`
          : `a public key cannot verify ${wrong.join(', ')}: HMAC algorithms need a secret (mixing them invites key confusion)`,
      });
    }
    const jwkAlg = typeof d.publicKey === 'object' ? d.publicKey.alg : undefined;
    if (!hmac && algorithms.length === 0 && typeof jwkAlg !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: 'required with publicKey or jwksUrl: the algorithms the issuer signs with, e.g. ["RS256"]',
      });
    }
  });

export type SessionDefinition = z.input<typeof sessionDefinitionSchema>;
export type ParsedSessionDefinition = z.output<typeof sessionDefinitionSchema>;

/** The algorithms a definition accepts, defaults filled in. */
export function allowedAlgorithms(d: ParsedSessionDefinition): string[] {
  if (d.algorithms) return d.algorithms;
  if (d.secret !== undefined) return ['HS256'];
  return [String((d.publicKey as { alg: string }).alg)];
}

/** A definition as `session.fetch` shows it: never the secret. */
export function describeSession(d: ParsedSessionDefinition) {
  return {
    tag: d.tag,
    description: d.description,
    keys: d.secret !== undefined ? 'secret' : d.publicKey !== undefined ? 'publicKey' : 'jwksUrl',
    jwksUrl: d.jwksUrl,
    algorithms: allowedAlgorithms(d),
    schema: d.schema,
    issuer: d.issuer,
    audience: d.audience,
    clockTolerance: d.clockTolerance ?? 0,
    requireExpiry: d.requireExpiry ?? true,
  };
}

export type SessionDescription = ReturnType<typeof describeSession>;
