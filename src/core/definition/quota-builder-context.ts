import type { ProviderSpec } from '../chain.js';
import { ValidationError } from '../validation-error.js';
import type { ProviderBuilder } from './builder.js';
import { namedProvider } from './builder-context.js';

/**
 * The `ctx` a code-first quota's handler receives: `ctx.provider('twilio').weight(70)…`, one call a
 * provider, in any order (a quota has no primary: weights decide).
 */
export class QuotaBuilderContext {
  private readonly builders: ProviderBuilder[] = [];
  private readonly names = new Set<string>();

  /** A provider of the quota; give it a share with `.weight(n)` (default 1). */
  provider(name: string): ProviderBuilder {
    const builder = namedProvider(this.names, name, `handler.provider[${this.builders.length}]`, 'quota');
    this.builders.push(builder);
    return builder;
  }

  /** @internal */
  build(): ProviderSpec[] {
    if (this.builders.length === 0)
      throw ValidationError.field('handler', 'the handler must call ctx.provider(name) at least once');
    const providers = this.builders.map((b) => b.build());
    if (providers.every((p) => (p.weight ?? 1) === 0))
      throw ValidationError.field('handler', 'every provider has weight 0: at least one must take traffic');
    return providers;
  }
}
