import { z } from 'zod';
import type { Defaults } from './defaults.js';
import { tagSchema } from './definition/common-schema.js';
import type { SessionRef } from './session.js';
import { sessionRefSchema } from './session-ref.js';
import { parseOrThrow } from './zod-issues.js';

/** What every run form names (run, dispatch): which chain, where, with what. */
export interface RunTarget {
  env?: string;
  product?: string;
  tag: string;
  input?: Record<string, unknown>;
  /** The token is verified before any provider is called; `{}` means none. */
  session?: SessionRef | Record<string, never>;
  /** A cache defined with `cache.define`: serve a stored result, or store this run's success. */
  cache?: string;
  /** Root of the providers' idempotency keys (by default the run id, or a UUID made at dispatch).
   *  Pass your own (an order id) to make a repeated run send the same keys. */
  idempotencyKey?: string;
}

/** `fallback.run({ env, product, tag, input, session, cache })`. */
export interface RunParams extends RunTarget {
  /** Identifies this run in records and logs; a random UUID by default. */
  runId?: string;
  /** Cancels the run: the attempt in flight is aborted and no further provider is called. */
  signal?: AbortSignal;
}

export const keySchema = z.string().min(1).max(200);

/** Fields every run form shares (run, dispatch, the processor API). */
export const runTargetShape = {
  env: tagSchema.optional(),
  product: tagSchema.optional(),
  tag: tagSchema,
  input: z.record(z.string(), z.unknown()).optional(),
  session: sessionRefSchema.optional(),
  cache: z.union([tagSchema, z.literal('')]).optional(),
  idempotencyKey: keySchema.optional(),
};

const runParamsSchema = z.strictObject({
  ...runTargetShape,
  runId: keySchema.optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

export interface ResolvedRunParams {
  env: string;
  product: string;
  tag: string;
  input: Record<string, unknown>;
  session: SessionRef | undefined;
  cache: string | undefined;
  runId?: string | undefined;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

export function parseRunParams(params: unknown, defaults: Defaults): ResolvedRunParams {
  const parsed = parseOrThrow(runParamsSchema, params, 'invalid run parameters');
  const { env, product } = resolveTarget(parsed, defaults);
  // Field by field rather than spreads: this runs on every run.
  return {
    env,
    product,
    tag: parsed.tag,
    input: parsed.input ?? {},
    session: sessionOf(parsed.session),
    cache: parsed.cache || undefined,
    runId: parsed.runId,
    idempotencyKey: parsed.idempotencyKey,
    signal: parsed.signal,
  };
}

/** The processor API lets optional fields be passed empty: `session: {}` is no session. */
export function sessionOf(session: { tag?: string; token?: string } | undefined): SessionRef | undefined {
  return session?.tag !== undefined && session.token !== undefined
    ? { tag: session.tag, token: session.token }
    : undefined;
}

/** Env and product from the call or the defaults. */
export function resolveTarget(
  parsed: { env?: string | undefined; product?: string | undefined },
  defaults: Defaults,
): { env: string; product: string } {
  return { env: defaults.requireEnv(parsed.env), product: defaults.requireProduct(parsed.product) };
}
