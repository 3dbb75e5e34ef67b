import { z } from 'zod';
import type { Chain } from '../chain.js';
import type { ErrorPolicy } from '../classify.js';
import { compileInputSchema, type InputSchema, inputSchemaSchema } from '../input-schema.js';
import { ValidationError } from '../validation-error.js';
import type { AmbiguityPolicy } from '../verify.js';
import { parseOrThrow } from '../zod-issues.js';
import { applyAmbiguityPolicy } from './ambiguity-policy.js';
import { ChainBuilderContext } from './builder-context.js';
import { chainOptionsShape, classifierFor, tagSchema } from './common-schema.js';

/** The code-first form: `fallback.define({ product, tag, name, description, input, handler })`. */
export interface CodeFirstDefinition {
  product?: string;
  tag: string;
  name: string;
  description?: string;
  input?: InputSchema;
  handler: (ctx: ChainBuilderContext) => void | Promise<void>;
  /** Overall budget of a run in ms. */
  deadline?: number;
  /** Which errors fail over, retry or stop the chain. */
  errors?: ErrorPolicy;
  /** When every provider is unhealthy: try them anyway (default) or fail. */
  whenAllUnhealthy?: 'try-anyway' | 'fail';
  /** When a provider may have acted on its last call: 'failover' (default), 'stop' or 'verify'. */
  onAmbiguous?: AmbiguityPolicy;
  /** Every field of every provider's mapped output must be present (default false). */
  strictOutput?: boolean;
}

const definitionSchema = z.strictObject({
  product: tagSchema.optional(),
  tag: tagSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  input: inputSchemaSchema.optional(),
  handler: z.function(),
  ...chainOptionsShape,
});

export async function compileCodeFirst(
  definition: CodeFirstDefinition,
  defaultProduct: string | undefined,
  version: number,
): Promise<Chain> {
  const parsed = parseOrThrow(definitionSchema, definition, 'invalid fallback definition');
  const product = definition.product ?? defaultProduct;
  if (!product)
    throw ValidationError.field('product', 'required: pass product, or set a default with product.init(tag)');
  const ctx = new ChainBuilderContext();
  await definition.handler(ctx);
  const input = definition.input ?? {};
  return {
    product,
    tag: definition.tag,
    name: definition.name,
    description: definition.description,
    version,
    input,
    validateInput: compileInputSchema(input),
    providers: applyAmbiguityPolicy(
      ctx.build().map((p) => ({ ...p, strictOutput: p.strictOutput ?? parsed.strictOutput })),
      parsed.onAmbiguous,
      (i) => (i === 0 ? 'handler.primary' : `handler.fallback[${i - 1}]`),
    ),
    deadlineMs: definition.deadline,
    whenAllUnhealthy: parsed.whenAllUnhealthy,
    onAmbiguous: parsed.onAmbiguous,
    classify: classifierFor(parsed.errors),
  };
}
