import { z } from 'zod';
import { type FeatureEventType, FeatureEventTypes } from '../data-types.js';
import { healthPolicySchema } from '../health/health-policy-schema.js';
import { inputSchemaSchema } from '../input-schema.js';
import { rateLimitSchema } from '../rate-limit.js';
import {
  backoffSchema,
  batchSchema,
  chainOptionsShape,
  hedgeSchema,
  onAmbiguousSchema,
  positiveMs,
  retriesSchema,
  tagSchema,
} from './common-schema.js';

/**
 * How the declarative form asks a provider what became of an idempotency key: an action of the
 * same app (`event`), its request (`input`, templates that read `$Run{idempotencyKey}`), and
 * where its answer holds the original response (`output`, the whole answer by default). A 2xx
 * whose `output` reads something is `succeeded`; a 404 or 410, or an `output` that reads nothing,
 * is `not-found`; anything else is `unknown`.
 */
export const verifyOptionSchema = z.strictObject({
  event: tagSchema,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
});

const types = Object.values(FeatureEventTypes) as [FeatureEventType, ...FeatureEventType[]];

/** One option of a declarative `options` array, with the fields beyond the basics (timeout, backoff, …). */
export const fallbackOptionSchema = z.strictObject({
  type: z.enum(types),
  event: tagSchema,
  app: tagSchema.optional(),
  /** The provider's name in results and records; defaults to the app tag (or the event tag). */
  provider: tagSchema.optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  retries: retriesSchema.default(0),
  healthcheck: tagSchema.optional(),
  check_interval: positiveMs.optional(),
  timeout: positiveMs.optional(),
  backoff: backoffSchema.optional(),
  /** Health settings of this provider, over the chain's `health`. */
  health: healthPolicySchema.optional(),
  /** Takes many items of a batch run in one call: `{ maxSize }`. */
  batch: batchSchema.optional(),
  /** Hedged calls to this provider when it is slow: `{ delay, maxAttempts, safe }`. */
  hedge: hedgeSchema.optional(),
  /** At most `max` calls per `per` window to this provider, shared by every process. */
  rateLimit: rateLimitSchema.optional(),
  onAmbiguous: onAmbiguousSchema.optional(),
  verify: verifyOptionSchema.optional(),
  strictOutput: z.boolean().optional(),
  // Tracked by healthchecks, never set by users; accepted so a fetched definition can be sent back.
  provider_status: z.unknown().optional(),
  last_available: z.unknown().optional(),
  last_checked: z.unknown().optional(),
});

export type FallbackOption = z.input<typeof fallbackOptionSchema>;
export type ParsedFallbackOption = z.output<typeof fallbackOptionSchema>;

/** The declarative form: `fallback.create({ name, tag, description, input, options })`. */
export const declarativeDefinitionSchema = z.strictObject({
  product: tagSchema.optional(),
  name: z.string().min(1),
  tag: tagSchema,
  description: z.string().optional(),
  input: inputSchemaSchema.default({}),
  options: z.array(fallbackOptionSchema).min(1, 'expected at least one provider option'),
  ...chainOptionsShape,
});

export type DeclarativeDefinition = z.input<typeof declarativeDefinitionSchema>;
export type ParsedDeclarativeDefinition = z.output<typeof declarativeDefinitionSchema>;
