import { z } from 'zod';
import type { Chain } from '../chain.js';
import type { ErrorPolicy } from '../classify.js';
import { type HealthPolicyInput, overlay } from '../health/health-policy.js';
import type { ChainHealthSettings } from '../health/health-policy-schema.js';
import { compileInputSchema, type InputSchema, inputSchemaSchema } from '../input-schema.js';
import { ValidationError } from '../validation-error.js';
import type { AmbiguityPolicy } from '../verify.js';
import { parseOrThrow } from '../zod-issues.js';
import { applyAmbiguityPolicy } from './ambiguity-policy.js';
import { ChainBuilderContext } from './builder-context.js';
import { chainHealthOf, chainOptionsShape, classifierFor, tagSchema } from './common-schema.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from './compile-context.js';

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
  /** When providers are out of rotation: `panic` (default), `try-anyway` or `fail`. */
  whenAllUnhealthy?: 'panic' | 'try-anyway' | 'fail';
  /** Health settings for every provider (each may override with `.health()`), and the panic policy. */
  health?: ChainHealthSettings;
  /** When a provider may have acted on its last call: 'failover' (default), 'stop' or 'verify'. */
  onAmbiguous?: AmbiguityPolicy;
  /** Every field of every provider's mapped output must be present (default false). */
  strictOutput?: boolean;
  /** The named job queue its dispatched runs go to (default: its product's). */
  queue?: string;
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
  context: CompileContext = DEFAULT_COMPILE_CONTEXT,
): Promise<Chain> {
  const parsed = parseOrThrow(definitionSchema, definition, 'invalid fallback definition');
  const product = definition.product ?? defaultProduct;
  if (!product)
    throw ValidationError.field('product', 'required: pass product, or set a default with product.init(tag)');
  const ctx = new ChainBuilderContext();
  await definition.handler(ctx);
  const input = definition.input ?? {};
  const health = chainHealthOf(parsed.health);
  const providers = ctx.build().map((p) => {
    const merged = overlay(health.providers, p.health as HealthPolicyInput | undefined);
    return merged ? { ...p, health: merged } : p;
  });
  return {
    product,
    tag: definition.tag,
    name: definition.name,
    description: definition.description,
    version,
    input,
    validateInput: compileInputSchema(input, context.maxJsonDepth),
    providers: applyAmbiguityPolicy(
      providers.map((p) => ({ ...p, strictOutput: p.strictOutput ?? parsed.strictOutput })),
      parsed.onAmbiguous,
      (i) => (i === 0 ? 'handler.primary' : `handler.fallback[${i - 1}]`),
    ),
    deadlineMs: definition.deadline,
    whenAllUnhealthy: parsed.whenAllUnhealthy,
    panic: health.panic,
    onAmbiguous: parsed.onAmbiguous,
    classify: classifierFor(parsed.errors),
    queue: parsed.queue,
  };
}
