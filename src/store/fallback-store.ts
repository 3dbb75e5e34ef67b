import type { Redis } from 'ioredis';
import type { Chain } from '../core/chain.js';
import { compileDeclarative, parseDeclarative } from '../core/definition/declarative.js';
import type { ParsedDeclarativeDefinition } from '../core/definition/declarative-schema.js';
import type { Keys } from './keys.js';
import { ProductDefinitionStore, type StoredDefinition } from './product-definition-store.js';

export type StoredFallback = StoredDefinition<ParsedDeclarativeDefinition>;

/** Declarative fallback definitions in Redis, versioned, compiled once per version. */
export class FallbackStore extends ProductDefinitionStore<ParsedDeclarativeDefinition, Chain> {
  constructor(redis: Redis, keys: Keys) {
    super(redis, keys, {
      name: 'fallback',
      updateCall: 'fallback.update()',
      key: (k, product, tag) => k.fallback(product, tag),
      index: (k, product) => k.fallbackIndex(product),
      parse: parseDeclarative,
      compile: compileDeclarative,
    });
  }

  chain(product: string, tag: string): Promise<Chain | undefined> {
    return this.compiled(product, tag);
  }
}
