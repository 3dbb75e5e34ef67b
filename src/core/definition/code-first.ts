import { z } from 'zod';
import type { Chain, ProviderSpec } from '../chain.js';
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
import { QuotaBuilderContext } from './quota-builder-context.js';

/** The code-first form: `fallback.define({ product, tag, name, description, input, handler })`. */
export interface CodeFirstDefinition<Ctx = ChainBuilderContext> {
  product?: string;
  tag: string;
  name: string;
  description?: string;
  input?: InputSchema;
  handler: (ctx: Ctx) => void | Promise<void>;
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

/** The code-first form of a quota: `quota.define({ …, handler: (ctx) => { ctx.provider('twilio').weight(70)… } })`. */
export type CodeFirstQuotaDefinition = CodeFirstDefinition<QuotaBuilderContext>;

/** What tells a fallback's code-first form from a quota's: the handler's `ctx` and the order of providers. */
export interface CodeFirstForm<Ctx> {
  kind: 'fallback' | 'quota';
  context(): Ctx & { build(): ProviderSpec[] };
  /** Where provider `i` was written, for messages. */
  path(index: number): string;
  selection: Chain['selection'];
}

export const FALLBACK_CODE_FORM: CodeFirstForm<ChainBuilderContext> = {
  kind: 'fallback',
  context: () => new ChainBuilderContext(),
  path: (i) => (i === 0 ? 'handler.primary' : `handler.fallback[${i - 1}]`),
  selection: 'ordered',
};

export const QUOTA_CODE_FORM: CodeFirstForm<QuotaBuilderContext> = {
  kind: 'quota',
  context: () => new QuotaBuilderContext(),
  path: (i) => `handler.provider[${i}]`,
  selection: 'weighted',
};

export async function compileCodeFirst<Ctx = ChainBuilderContext>(
  definition: CodeFirstDefinition<Ctx>,
  defaultProduct: string | undefined,
  version: number,
  context: CompileContext = DEFAULT_COMPILE_CONTEXT,
  form: CodeFirstForm<Ctx> = FALLBACK_CODE_FORM as unknown as CodeFirstForm<Ctx>,
): Promise<Chain> {
  const parsed = parseOrThrow(definitionSchema, definition, `invalid ${form.kind} definition`);
  const product = definition.product ?? defaultProduct;
  if (!product)
    throw ValidationError.field('product', 'required: pass product, or set a default with product.init(tag)');
  const ctx = form.context();
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
      form.path,
    ),
    deadlineMs: definition.deadline,
    whenAllUnhealthy: parsed.whenAllUnhealthy,
    panic: health.panic,
    onAmbiguous: parsed.onAmbiguous,
    classify: classifierFor(parsed.errors),
    selection: form.selection,
    queue: parsed.queue,
  };
}
