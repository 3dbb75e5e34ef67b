import type { Chain } from '../core/chain.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from '../core/definition/compile-context.js';
import {
  compileDeclarativeQuota,
  type ParsedDeclarativeQuota,
  parseDeclarativeQuota,
} from '../core/definition/declarative-quota.js';
import { checkJsonDepth } from '../core/json-depth.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from './keys.js';
import { ProductDefinitionStore, type StoredDefinition } from './product-definition-store.js';

export type StoredQuota = StoredDefinition<ParsedDeclarativeQuota>;

/** Declarative quota definitions in Redis, versioned, compiled once per version. */
export class QuotaStore extends ProductDefinitionStore<ParsedDeclarativeQuota, Chain> {
  constructor(redis: RedisClient, keys: Keys, context: CompileContext = DEFAULT_COMPILE_CONTEXT) {
    super(redis, keys, {
      name: 'quota',
      updateCall: 'quota.update()',
      key: (k, product, tag) => k.quota(product, tag),
      index: (k, product) => k.quotaIndex(product),
      parse: (raw) => {
        checkJsonDepth(raw, context.maxJsonDepth, '', 'invalid quota definition');
        return parseDeclarativeQuota(raw);
      },
      compile: (definition, product, version) =>
        compileDeclarativeQuota(definition, product, version, context),
    });
  }

  chain(product: string, tag: string): Promise<Chain | undefined> {
    return this.compiled(product, tag);
  }
}
