import { z } from 'zod';
import { cacheDefinitionSchema } from '../cache/cache-definition.js';
import { appDefinitionSchema } from '../core/definition/app-definition.js';
import { tagSchema } from '../core/definition/common-schema.js';
import { declarativeQuotaSchema } from '../core/definition/declarative-quota.js';
import { declarativeDefinitionSchema } from '../core/definition/declarative-schema.js';
import { featureDefinitionSchema } from '../core/feature/feature-schema.js';
import { healthcheckSchema } from '../core/health/healthcheck-schema.js';
import { keySchema, runTargetShape } from '../core/run-target.js';
import { jobIdSchema } from '../queue/job-id.js';
import { batchParamsShape } from '../runs/batch-runs.js';

// Path and query parameters are the HTTP layer's own and are parsed here. Bodies are parsed by
// the same library calls a TypeScript caller makes; their schemas below document them in the
// OpenAPI document and are built from the core's schemas wherever the core has one.

export const noParams = z.strictObject({});
export const tagParams = z.strictObject({ tag: tagSchema });
export const idParams = z.strictObject({ id: z.string().min(1).max(256) });

const product = tagSchema.optional().describe('the product; default: the server Backstop default product');
const env = tagSchema.optional().describe('the env; default: the server Backstop default env');

export const productQuery = z.strictObject({ product });
export const listFallbacksQuery = z.strictObject({
  product: tagSchema.optional().describe('only this product; default: every product'),
});
export const jobQuery = z.strictObject({
  wait: z.coerce
    .number()
    .int()
    .min(1)
    .max(60_000)
    .optional()
    .describe('wait up to this many ms for the job to finish (504 BACKSTOP_WAIT_TIMEOUT when it does not)'),
});
export const statusQuery = z.strictObject({ env, product });

/** `?from=` / `?to=`: an ISO date or ms since the epoch (digits only). */
const instant = z
  .string()
  .min(1)
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : v))
  .describe('ISO 8601 date-time or ms since the epoch');

export const historyQuery = z.strictObject({
  provider: tagSchema.optional().describe('the provider name (as in result.provider); default: the path tag'),
  env,
  product,
  from: instant.optional().describe('default: one hour before `to`'),
  to: instant.optional().describe('default: now'),
});

// Documented bodies.

const { tag: _tag, ...targetFields } = runTargetShape;

export const runBodySchema = z.strictObject({ ...targetFields, runId: keySchema.optional() });

/** The forms `resolveSchedule` accepts (it validates them itself, with these field paths). */
export const scheduleSchema = z.strictObject({
  delay: z
    .union([z.number().int().min(0), z.string()])
    .optional()
    .describe("ms, or '500ms', '5s', '10m', '2h', '1d', 'PT5S'"),
  at: z.string().optional().describe('ISO 8601 with an offset, or without one plus tz'),
  tz: z.string().optional().describe("IANA zone, e.g. 'Europe/Berlin' (cron and offset-less at)"),
  allowPast: z.boolean().optional().describe('run a past `at` now instead of refusing it'),
  cron: z.string().optional().describe("recurring: 5- or 6-field cron pattern, e.g. '0 9 * * 1-5'"),
  every: z
    .union([z.number().int().min(1), z.string()])
    .optional()
    .describe('recurring: ms or a duration; at least BACKSTOP_MIN_SCHEDULE_INTERVAL_MS (default 1 s)'),
});

export const dispatchBodySchema = z.strictObject({
  ...targetFields,
  schedule: scheduleSchema.optional(),
  jobId: jobIdSchema.optional(),
});

/** Features are not cached (their fallbacks are): their run and dispatch take no `cache`. */
export const featureRunBodySchema = runBodySchema.omit({ cache: true });
export const featureDispatchBodySchema = dispatchBodySchema.omit({ cache: true });

export const fallbackCreateSchema = declarativeDefinitionSchema;
export const fallbackPatchSchema = declarativeDefinitionSchema.partial();
/** A batch run's body: the path names the chain. */
const { tag: _batchTag, ...batchFields } = batchParamsShape;
export const batchRunBodySchema = z.strictObject(batchFields);
export const batchDispatchBodySchema = z.strictObject({
  ...batchFields,
  schedule: scheduleSchema.optional(),
  jobId: jobIdSchema.optional(),
});
export const quotaCreateSchema = declarativeQuotaSchema;
export const quotaPatchSchema = declarativeQuotaSchema.partial();
export const quotaStatusQuery = z.strictObject({ product, env });
export const appCreateSchema = appDefinitionSchema;
export const appPatchSchema = appDefinitionSchema.partial();
export const healthcheckCreateSchema = healthcheckSchema;
// A refined object cannot be made partial; its shape can.
export const healthcheckPatchSchema = z.strictObject(healthcheckSchema.shape).partial();
export const featureCreateSchema = featureDefinitionSchema;
export const featurePatchSchema = z.strictObject(featureDefinitionSchema.shape).partial();
export const cacheCreateSchema = cacheDefinitionSchema;
export const cacheClearSchema = z.strictObject({ tag: tagSchema, env, product });
export const processorBodySchema = z.strictObject({
  env,
  product_tag: tagSchema,
  fallback_tag: tagSchema,
  action: z.enum(['trigger', 'update', 'reset']),
  input: z.record(z.string(), z.unknown()).optional(),
  session: runTargetShape.session,
  cache: runTargetShape.cache,
});
