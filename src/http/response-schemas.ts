import { z } from 'zod';
import { appDefinitionSchema } from '../core/definition/app-definition.js';
import { iso, providerState } from './health-response-schemas.js';

export {
  drillSchema,
  healthStatusSchema,
  historySchema,
  quotaStatusSchema,
} from './health-response-schemas.js';

// What the API answers, as zod schemas for the OpenAPI document. The types they describe are the
// library's (RunReport, JobView, …); these are the wire shapes of those types.

export const errorSchema = z.looseObject({ code: z.string(), message: z.string() });

export const validationErrorSchema = z.object({
  code: z.enum(['BACKSTOP_VALIDATION', 'BACKSTOP_UNSUPPORTED']),
  message: z.string(),
  issues: z.array(z.object({ path: z.string().describe("e.g. 'options[0].retries'"), message: z.string() })),
});

export const notFoundSchema = z.object({
  code: z.literal('BACKSTOP_NOT_FOUND'),
  message: z.string(),
  kind: z
    .string()
    .optional()
    .describe('what is missing (fallback, job, app, ...); absent when the route itself does not exist'),
  tag: z.string().optional().describe("the missing thing's tag or id; absent when the route does not exist"),
  product: z.string().optional(),
});

export const attemptSchema = z.object({
  provider: z.string(),
  attempt: z.number().int().describe('1-based; 0 for a skipped provider'),
  startedAt: iso,
  durationMs: z.number(),
  outcome: z
    .enum(['success', 'failure', 'skipped', 'verify'])
    .describe("'verify': the provider was asked what became of an ambiguous call's key"),
  skipped: z.enum(['unhealthy', 'deadline']).optional(),
  idempotencyKey: z.string(),
  verify: z.enum(['succeeded', 'not-found', 'unknown']).optional(),
  warnings: z
    .array(z.object({ code: z.string(), message: z.string(), raw: z.string().optional() }))
    .optional()
    .describe('what went wrong without failing the attempt (a 2xx body that is not JSON)'),
  cache: z
    .object({ tag: z.string(), storedAt: iso, runId: z.string() })
    .optional()
    .describe('set when the result came from the result cache'),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      status: z.number().int().optional(),
      verdict: z.enum(['retry', 'ambiguous', 'failover', 'stop']),
      lagMs: z.number().optional().describe('on timeouts: how late the timer fired (a busy event loop)'),
      sent: z.boolean().optional().describe('whether the request had left for the provider, when known'),
    })
    .optional(),
});

export const runResponseSchema = z.object({
  runId: z.string(),
  provider: z.string(),
  result: z.looseObject({ provider: z.string() }).describe('{ provider, ...mapped output }'),
  attempts: z.array(attemptSchema),
  durationMs: z.number(),
  cache: z
    .object({ tag: z.string(), hit: z.boolean(), storedAt: iso.optional(), runId: z.string().optional() })
    .optional()
    .describe('when the run named a cache: whether the result was served from it'),
});

export const runErrorSchema = z.object({
  name: z.string(),
  code: z.enum([
    'BACKSTOP_FALLBACK_EXHAUSTED',
    'BACKSTOP_FALLBACK_STOPPED',
    'BACKSTOP_DEADLINE_EXCEEDED',
    'BACKSTOP_MAPPING_FAILED',
    'BACKSTOP_ABORTED',
  ]),
  message: z.string(),
  runId: z.string(),
  tag: z.string(),
  attempts: z.array(attemptSchema),
  providerErrors: z.record(
    z.string(),
    z.object({ code: z.string(), message: z.string(), status: z.number().int().optional() }),
  ),
});

export const fallbackSchema = z.looseObject({
  product: z.string(),
  tag: z.string(),
  name: z.string(),
  description: z.string().optional(),
  input: z.record(z.string(), z.unknown()),
  options: z.array(
    z.looseObject({
      provider: z.string(),
      type: z.string(),
      event: z.string(),
      retries: z.number(),
      ...providerState,
    }),
  ),
  deadline: z.number().optional(),
  onAmbiguous: z.enum(['failover', 'stop', 'verify']).optional(),
  version: z.number().int(),
  source: z.enum(['declarative', 'code']),
  createdAt: iso.optional(),
  updatedAt: iso.optional(),
});

/** A quota as fetched: a fallback's fields, each option with its share (`quota` or `weight`). */
export const quotaSchema = fallbackSchema;

export const batchOutcomeSchema = z.object({
  runId: z.string(),
  items: z.array(
    z.looseObject({
      index: z.number().int(),
      ok: z.boolean(),
      provider: z.string().optional(),
      output: z.record(z.string(), z.unknown()).optional(),
      error: z.object({ code: z.string(), message: z.string(), provider: z.string().optional() }).optional(),
    }),
  ),
  calls: z.array(
    z.object({ provider: z.string(), items: z.number(), served: z.number(), batch: z.boolean() }),
  ),
});

export const appSchema = z.object({
  definition: appDefinitionSchema,
  version: z.number().int(),
  updatedAt: iso,
});

export const healthcheckSchemaOut = z.looseObject({
  product: z.string(),
  tag: z.string(),
  name: z.string(),
  interval: z.number(),
  retries: z.number(),
  envs: z.array(z.object({ slug: z.string(), input: z.record(z.string(), z.unknown()) })),
  version: z.number().int(),
  source: z.enum(['declarative', 'code']),
});

export const jobHandleSchema = z.object({
  id: z.string(),
  tag: z.string(),
  product: z.string(),
  env: z.string(),
  runAt: iso.optional().describe('one-off jobs: when the job is due'),
  state: z.string().describe("'waiting', 'delayed', or 'scheduled' for a recurring schedule"),
  existing: z.boolean().optional().describe('a job with this jobId already existed; none was queued'),
  cron: z.string().optional(),
  tz: z.string().optional(),
  every: z.number().optional(),
  next: iso.optional(),
});

export const jobViewSchema = z.object({
  id: z.string(),
  tag: z.string(),
  product: z.string(),
  env: z.string(),
  state: z.string().describe('waiting, delayed, active, completed, failed, or cancelled'),
  runAt: iso,
  dispatchedAt: iso,
  startedAt: iso.optional(),
  finishedAt: iso.optional(),
  result: z.looseObject({ provider: z.string() }).optional(),
  provider: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  attempts: z.array(attemptSchema),
  runs: z.number().int(),
});

export const scheduleViewSchema = z.object({
  id: z.string(),
  tag: z.string(),
  cron: z.string().optional(),
  tz: z.string().optional(),
  every: z.number().optional(),
  next: iso.optional(),
});

const check = z.object({ ok: z.boolean(), error: z.string().optional() });

export const readySchema = z.object({
  status: z.enum(['ready', 'not ready']),
  reasons: z.array(z.string()),
  checks: z.object({
    redis: check.extend({ latencyMs: z.number().optional() }),
    workers: check.extend({ count: z.number().int().optional() }),
  }),
});

export const liveSchema = z.object({ status: z.literal('ok') });

export const listOf = <T extends z.ZodType>(key: string, item: T) => z.object({ [key]: z.array(item) });

export const stepSchema = z.looseObject({
  step: z.string(),
  type: z.string(),
  target: z.string(),
  outcome: z.enum(['success', 'failure']),
  provider: z.string().optional(),
  output: z.unknown().optional(),
  attempts: z.array(attemptSchema),
  startedAt: iso,
  durationMs: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const featureRunSchema = z.object({
  runId: z.string(),
  feature: z.string(),
  output: z.unknown(),
  steps: z.array(stepSchema),
  durationMs: z.number(),
});

export const featureSchema = z.looseObject({
  product: z.string(),
  version: z.number().int(),
  definition: z.looseObject({ tag: z.string(), name: z.string(), events: z.array(z.looseObject({})) }),
  createdAt: iso,
  updatedAt: iso,
});

export const cacheTypeSchema = z.object({
  tag: z.string(),
  ttl: z.number().int().describe('ms'),
  description: z.string().optional(),
  updatedAt: iso,
});
