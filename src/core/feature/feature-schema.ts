import { z } from 'zod';
import { type FeatureEventType, FeatureEventTypes } from '../data-types.js';
import { backoffSchema, positiveMs, retriesSchema, tagSchema } from '../definition/common-schema.js';
import { inputSchemaSchema } from '../input-schema.js';

const types = Object.values(FeatureEventTypes) as [FeatureEventType, ...FeatureEventType[]];

/**
 * One step of a feature: an app action, a fallback chain,
 * another feature, … Its `input` may read `$Input{}`, `$Sequence{step}{field}`, `$Session{}` and
 * `$Secret{}`; its optional `output` maps what the step returned (`$Response{}`).
 */
export const featureEventSchema = z.strictObject({
  type: z.enum(types),
  event: tagSchema,
  /** The app (ACTION), database or notification tag. */
  app: tagSchema.optional(),
  /** The step's name for `$Sequence{name}{…}` and in records; defaults to `event`. */
  tag: tagSchema.optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  /** Provider steps (ACTION, DATABASE, NOTIFICATION): retries, timeout and backoff as in a fallback option. */
  retries: retriesSchema.optional(),
  timeout: positiveMs.optional(),
  backoff: backoffSchema.optional(),
  healthcheck: tagSchema.optional(),
});

export type FeatureEvent = z.input<typeof featureEventSchema>;
export type ParsedFeatureEvent = z.output<typeof featureEventSchema>;

/** `features.create({ tag, name, input, events })`. */
export const featureDefinitionSchema = z.strictObject({
  product: tagSchema.optional(),
  tag: tagSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  input: inputSchemaSchema.default({}),
  events: z.array(featureEventSchema).min(1, 'expected at least one event'),
  /** What the feature returns; by default every step's output by step name. */
  output: z.unknown().optional(),
  /** Overall budget of a run in ms, across every step. */
  deadline: positiveMs.optional(),
});

export type FeatureDefinition = z.input<typeof featureDefinitionSchema>;
export type ParsedFeatureDefinition = z.output<typeof featureDefinitionSchema>;
