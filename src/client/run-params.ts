import { z } from 'zod';
import { tagSchema } from '../core/definition/common-schema.js';
import { UnsupportedError, ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';

/** What every run form names (run, dispatch): which chain, where, with what. */
export interface RunTarget {
  env?: string;
  product?: string;
  tag: string;
  input?: Record<string, unknown>;
  session?: { tag: string; token: string } | Record<string, never>;
  cache?: string;
  /** Root of the providers' idempotency keys (by default the run id, or a UUID made at dispatch).
   *  Pass your own (an order id) to make a repeated run send the same keys. */
  idempotencyKey?: string;
}

/** `fallback.run({ env, product, tag, input, session, cache })` (seeds 001 and 003). */
export interface RunParams extends RunTarget {
  /** Identifies this run in records and logs; a random UUID by default. */
  runId?: string;
  /** Cancels the run: the attempt in flight is aborted and no further provider is called. */
  signal?: AbortSignal;
}

export const MISSING_PRODUCT =
  'required: pass product, or set a default with product.init(tag) or new Backstop({ product })';

export const keySchema = z.string().min(1).max(200);

/** Fields every run form shares (run, dispatch, the processor API). */
export const runTargetShape = {
  env: tagSchema.optional(),
  product: tagSchema.optional(),
  tag: tagSchema,
  input: z.record(z.string(), z.unknown()).optional(),
  session: z
    .union([z.strictObject({ tag: z.string().min(1), token: z.string().min(1) }), z.strictObject({})])
    .optional(),
  cache: z.string().optional(),
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
  runId?: string | undefined;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

export function parseRunParams(
  params: unknown,
  defaults: { env?: string | undefined; product?: string | undefined },
): ResolvedRunParams {
  const parsed = parseOrThrow(runParamsSchema, params, 'invalid run parameters');
  const { env, product } = resolveTarget(parsed, defaults);
  // Field by field rather than spreads: this runs on every run.
  return {
    env,
    product,
    tag: parsed.tag,
    input: parsed.input ?? {},
    runId: parsed.runId,
    idempotencyKey: parsed.idempotencyKey,
    signal: parsed.signal,
  };
}

/**
 * Env and product from the call or the defaults. Seed 000 lets optional fields be passed empty;
 * a non-empty session or cache is refused rather than ignored: a session that is silently not
 * verified, or a cache that silently does not cache, would be worse than an error.
 */
export function resolveTarget(
  parsed: {
    env?: string | undefined;
    product?: string | undefined;
    session?: object | undefined;
    cache?: string | undefined;
  },
  defaults: { env?: string | undefined; product?: string | undefined },
): { env: string; product: string } {
  if (parsed.session && Object.keys(parsed.session).length > 0) {
    throw new UnsupportedError(
      'session',
      'session verification is not available in this version yet (see README)',
    );
  }
  if (parsed.cache)
    throw new UnsupportedError('cache', 'result caching is not available in this version yet (see README)');
  const env = parsed.env ?? defaults.env;
  if (!env)
    throw ValidationError.field(
      'env',
      'required: pass env, or set it in new Backstop({ env }) or BACKSTOP_ENV',
    );
  const product = parsed.product ?? defaults.product;
  if (!product) throw ValidationError.field('product', MISSING_PRODUCT);
  return { env, product };
}
