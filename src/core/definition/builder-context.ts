import type { ProviderSpec } from '../chain.js';
import { ValidationError } from '../validation-error.js';
import { ProviderBuilder } from './builder.js';
import { tagSchema } from './common-schema.js';

/** The `ctx` a code-first definition's handler receives. */
export class ChainBuilderContext {
  private primaryBuilder: ProviderBuilder | undefined;
  private readonly fallbacks: ProviderBuilder[] = [];
  private readonly names = new Set<string>();

  /** The provider tried first. */
  primary(name: string): ProviderBuilder {
    if (this.primaryBuilder) {
      throw ValidationError.field(
        'handler.primary',
        `primary already set to '${this.primaryBuilder.name}'; use ctx.fallback() for the next providers`,
      );
    }
    this.primaryBuilder = this.create(name, 'primary');
    return this.primaryBuilder;
  }

  /** A provider tried, in the order of these calls, when the ones before it fail. */
  fallback(name: string): ProviderBuilder {
    const builder = this.create(name, `fallback[${this.fallbacks.length}]`);
    this.fallbacks.push(builder);
    return builder;
  }

  /** @internal */
  build(): ProviderSpec[] {
    if (!this.primaryBuilder) {
      throw ValidationError.field('handler', 'the handler must call ctx.primary(name) once');
    }
    return [this.primaryBuilder, ...this.fallbacks].map((b) => b.build());
  }

  private create(name: string, slot: string): ProviderBuilder {
    return namedProvider(this.names, name, `handler.${slot}`, 'chain');
  }
}

/**
 * A provider's builder under a checked name: a valid tag, unique within its chain or quota (the
 * name keys idempotency). `names` collects the names used so far.
 */
export function namedProvider(
  names: Set<string>,
  name: string,
  path: string,
  within: 'chain' | 'quota',
): ProviderBuilder {
  if (!tagSchema.safeParse(name).success) {
    throw ValidationError.field(
      path,
      `provider name ${JSON.stringify(name)}: expected letters, digits, ".", "_" or "-"`,
    );
  }
  if (names.has(name)) {
    throw ValidationError.field(
      path,
      `provider name '${name}' is used twice; names must be unique within a ${within} (they key idempotency)`,
    );
  }
  names.add(name);
  return new ProviderBuilder(name, path);
}
