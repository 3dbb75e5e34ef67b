import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from '../core/definition/compile-context.js';
import { compileFeature, parseFeature } from '../core/feature/compile-feature.js';
import type { Feature } from '../core/feature/feature.js';
import type { ParsedFeatureDefinition } from '../core/feature/feature-schema.js';
import { checkJsonDepth } from '../core/json-depth.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from './keys.js';
import { ProductDefinitionStore, type StoredDefinition } from './product-definition-store.js';

export type StoredFeature = StoredDefinition<ParsedFeatureDefinition>;

/** Features (`features.create`) in Redis, versioned, compiled once per version. */
export class FeatureStore extends ProductDefinitionStore<ParsedFeatureDefinition, Feature> {
  constructor(redis: RedisClient, keys: Keys, context: CompileContext = DEFAULT_COMPILE_CONTEXT) {
    super(redis, keys, {
      name: 'feature',
      updateCall: 'features.update()',
      key: (k, product, tag) => k.feature(product, tag),
      index: (k, product) => k.featureIndex(product),
      parse: (raw) => {
        checkJsonDepth(raw, context.maxJsonDepth, '', 'invalid feature definition');
        return parseFeature(raw);
      },
      compile: (definition, product, version) => compileFeature(definition, product, version, context),
    });
  }
}
