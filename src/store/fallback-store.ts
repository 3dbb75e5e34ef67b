import type { Chain } from '../core/chain.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from '../core/definition/compile-context.js';
import { compileDeclarative, parseDeclarative } from '../core/definition/declarative.js';
import type { ParsedDeclarativeDefinition } from '../core/definition/declarative-schema.js';
import { checkJsonDepth } from '../core/json-depth.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from './keys.js';
import { ProductDefinitionStore, type StoredDefinition } from './product-definition-store.js';

export type StoredFallback = StoredDefinition<ParsedDeclarativeDefinition>;

/** Declarative fallback definitions in Redis, versioned, compiled once per version. */
export class FallbackStore extends ProductDefinitionStore<ParsedDeclarativeDefinition, Chain> {
  constructor(redis: RedisClient, keys: Keys, context: CompileContext = DEFAULT_COMPILE_CONTEXT) {
    super(redis, keys, {
      name: 'fallback',
      updateCall: 'fallback.update()',
      key: (k, product, tag) => k.fallback(product, tag),
      index: (k, product) => k.fallbackIndex(product),
      parse: (raw) => {
        checkJsonDepth(raw, context.maxJsonDepth, '', 'invalid fallback definition');
        return parseDeclarative(raw);
      },
      compile: (definition, product, version) => compileDeclarative(definition, product, version, context),
    });
  }

  chain(product: string, tag: string): Promise<Chain | undefined> {
    return this.compiled(product, tag);
  }
}
