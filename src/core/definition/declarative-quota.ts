import { z } from 'zod';
import type { Chain } from '../chain.js';
import { inputSchemaSchema } from '../input-schema.js';
import { ValidationError } from '../validation-error.js';
import { parseOrThrow } from '../zod-issues.js';
import { chainOptionsShape, tagSchema, weightSchema } from './common-schema.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from './compile-context.js';
import { compileDeclarative } from './declarative.js';
import { fallbackOptionSchema } from './declarative-schema.js';

/**
 * One option of a declarative quota: a fallback option with its share of traffic, `quota: 70` (the
 * documented name) or `weight: 70`; 1 when neither is set, 0 to drain the provider.
 */
export const quotaOptionSchema = fallbackOptionSchema.extend({
  quota: weightSchema.optional(),
  weight: weightSchema.optional(),
});

/** The declarative form of a quota: `quota.create({ name, tag, description, input, options })`. */
export const declarativeQuotaSchema = z.strictObject({
  product: tagSchema.optional(),
  name: z.string().min(1),
  tag: tagSchema,
  description: z.string().optional(),
  input: inputSchemaSchema.default({}),
  options: z.array(quotaOptionSchema).min(1, 'expected at least one provider option'),
  ...chainOptionsShape,
});

export type DeclarativeQuota = z.input<typeof declarativeQuotaSchema>;
export type ParsedDeclarativeQuota = z.output<typeof declarativeQuotaSchema>;

/** Validates a declarative quota; tracked fields are dropped, defaults filled in. */
export function parseDeclarativeQuota(definition: unknown): ParsedDeclarativeQuota {
  const data = parseOrThrow(declarativeQuotaSchema, definition, 'invalid quota definition');
  data.options = data.options.map(({ provider_status, last_available, last_checked, ...rest }) => rest);
  return data;
}

/** Compiles a quota as a fallback chain whose providers are picked by weight (provider-order.ts). */
export function compileDeclarativeQuota(
  definition: ParsedDeclarativeQuota,
  product: string,
  version: number,
  context: CompileContext = DEFAULT_COMPILE_CONTEXT,
): Chain {
  const weights = definition.options.map((option, index) => {
    const { quota, weight } = option;
    if (quota !== undefined && weight !== undefined && quota !== weight)
      throw ValidationError.field(
        `options[${index}].weight`,
        `quota (${quota}) and weight (${weight}) are the same setting: give one`,
      );
    return quota ?? weight ?? 1;
  });
  if (weights.every((w) => w === 0))
    throw ValidationError.field('options', 'every option has quota 0: at least one must take traffic');
  const chain = compileDeclarative(definition, product, version, context);
  return {
    ...chain,
    providers: chain.providers.map((p, i) => ({ ...p, weight: weights[i] })),
    selection: 'weighted',
  };
}
