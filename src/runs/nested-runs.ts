import type { NestedRunContext } from '../core/feature/run-feature.js';
import type { RunParams } from '../core/run-target.js';
import type { TargetContext } from '../core/target.js';
import { ValidationError } from '../core/validation-error.js';

/** The run parameters of a nested run: the parent's product, env, key root and signal. */
export function nestedParams(tag: string, input: unknown, ctx: NestedRunContext): RunParams {
  return {
    product: ctx.product,
    env: ctx.env,
    tag,
    input: asInput(input, tag),
    idempotencyKey: ctx.runKey,
    signal: ctx.signal,
  };
}

/**
 * What a nested run inherits from the attempt of a provider that runs another chain or a feature:
 * the provider's idempotency key roots the nested run's keys, one level deeper.
 */
export function nestedContextOf(ctx: TargetContext): NestedRunContext {
  return {
    product: ctx.product,
    env: ctx.env,
    runKey: ctx.idempotencyKey,
    depth: ctx.depth + 1,
    session: ctx.session,
    signal: ctx.signal,
  };
}

/** A step's mapped input becomes the nested run's input, which must be an object. */
function asInput(value: unknown, tag: string): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw ValidationError.field(
    'input',
    `the input mapped for '${tag}' must be an object, got ${JSON.stringify(value)}`,
  );
}
