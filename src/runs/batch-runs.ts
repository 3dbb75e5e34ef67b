import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BatchOutcome } from '../core/batch/batch-result.js';
import { runBatch } from '../core/batch/run-batch.js';
import type { Chain } from '../core/chain.js';
import { tagSchema } from '../core/definition/common-schema.js';
import { keySchema, resolveTarget, sessionOf } from '../core/run-target.js';
import { sessionRefSchema } from '../core/session-ref.js';
import { ValidationError, type ValidationIssue } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { RunsDeps } from './runs.js';

/** At most this many items in one batch run. */
export const MAX_BATCH_ITEMS = 10_000;
/** Calls in flight at once, by default. */
export const DEFAULT_BATCH_CONCURRENCY = 10;

export const batchParamsShape = {
  env: tagSchema.optional(),
  product: tagSchema.optional(),
  tag: tagSchema,
  items: z.array(z.record(z.string(), z.unknown())).min(1, 'expected at least one item').max(MAX_BATCH_ITEMS),
  session: sessionRefSchema.optional(),
  idempotencyKey: keySchema.optional(),
  concurrency: z.number().int().min(1).max(100).optional(),
};

const batchParamsSchema = z.strictObject({
  ...batchParamsShape,
  signal: z.instanceof(AbortSignal).optional(),
});

/** `fallback.runBatch({ tag, items, env, product, session, idempotencyKey, concurrency })`. */
export type BatchParams = z.input<typeof batchParamsSchema>;

/** Each item validated against the chain's input; every bad one named by its index. */
export function validateItems(chain: Chain, items: readonly Record<string, unknown>[]): unknown[] {
  const issues: ValidationIssue[] = [];
  const valid = items.map((item, index) => {
    try {
      return chain.validateInput(item);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // An item's fields are named `input.<field>` by the chain: here they are `items[i].<field>`.
      for (const issue of error.issues)
        issues.push({ ...issue, path: `items[${index}]${issue.path.replace(/^input(?=\.|$)/, '') || ''}` });
      return undefined;
    }
  });
  if (issues.length > 0) throw new ValidationError(issues, 'invalid batch items');
  return valid;
}

/** A batch run in this process: every item's provider and output, or its error, in input order. */
export async function runBatchHere(deps: RunsDeps, params: BatchParams): Promise<BatchOutcome> {
  const parsed = parseOrThrow(batchParamsSchema, params, 'invalid batch parameters');
  const { env, product } = resolveTarget(parsed, deps.defaults);
  const sessionRef = sessionOf(parsed.session);
  const session = sessionRef ? await deps.sessions.verify(sessionRef) : undefined;
  const chain = await deps.definitions.fallback(product, parsed.tag);
  const items = validateItems(chain, parsed.items);
  if (!deps.stores.connected && chain.providers.some((p) => p.healthcheck)) await deps.stores.get();
  const runId = randomUUID();
  return runBatch(deps.engine, {
    chain,
    env,
    items,
    runId,
    runKey: parsed.idempotencyKey ?? runId,
    signal: parsed.signal,
    session,
    concurrency: parsed.concurrency ?? DEFAULT_BATCH_CONCURRENCY,
  });
}
