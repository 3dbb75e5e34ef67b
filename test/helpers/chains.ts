import { NO_BACKOFF } from '../../src/core/backoff.js';
import type { Chain, ProviderSpec } from '../../src/core/chain.js';
import { buildClassifier, type ErrorPolicy } from '../../src/core/classify.js';
import { compileInputSchema } from '../../src/core/input-schema.js';
import type { TargetContext } from '../../src/core/target.js';

export type Fn = (request: unknown, ctx: TargetContext) => unknown | Promise<unknown>;

/** A provider whose target is an inline function, for engine tests. */
export function provider(name: string, fn: Fn, extra: Partial<ProviderSpec> = {}): ProviderSpec {
  return { name, target: { kind: 'handler', fn }, retries: 0, backoff: NO_BACKOFF, ...extra };
}

export function chain(
  providers: ProviderSpec[],
  extra: Partial<Chain> & { errors?: ErrorPolicy } = {},
): Chain {
  const { errors, ...rest } = extra;
  return {
    product: 'p',
    tag: 't',
    name: 'test chain',
    version: 1,
    input: {},
    validateInput: compileInputSchema({}),
    providers,
    classify: buildClassifier(errors),
    ...rest,
  };
}
