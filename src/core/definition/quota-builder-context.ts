import type { ProviderSpec } from '../chain.js';
import { ValidationError } from '../validation-error.js';
import { ProviderBuilder } from './builder.js';
import { tagSchema } from './common-schema.js';

/**
 * The `ctx` a code-first quota's handler receives: `ctx.provider('twilio').weight(70)…`, one call a
 * provider, in any order (a quota has no primary: weights decide).
 */
export class QuotaBuilderContext {
  private readonly builders: ProviderBuilder[] = [];
  private readonly names = new Set<string>();

  /** A provider of the quota; give it a share with `.weight(n)` (default 1). */
  provider(name: string): ProviderBuilder {
    const path = `handler.provider[${this.builders.length}]`;
    if (!tagSchema.safeParse(name).success) {
      throw ValidationError.field(
        path,
        `provider name ${JSON.stringify(name)}: expected letters, digits, ".", "_" or "-"`,
      );
    }
    if (this.names.has(name)) {
      throw ValidationError.field(
        path,
        `provider name '${name}' is used twice; names must be unique within a quota (they key idempotency)`,
      );
    }
    this.names.add(name);
    const builder = new ProviderBuilder(name, path);
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
