import type { Redis } from 'ioredis';
import { compileFeature, parseFeature } from '../core/feature/compile-feature.js';
import type { Feature } from '../core/feature/feature.js';
import type { ParsedFeatureDefinition } from '../core/feature/feature-schema.js';
import type { Keys } from './keys.js';
import { ProductDefinitionStore, type StoredDefinition } from './product-definition-store.js';

export type StoredFeature = StoredDefinition<ParsedFeatureDefinition>;

/** Features (`features.create`) in Redis, versioned, compiled once per version. */
export class FeatureStore extends ProductDefinitionStore<ParsedFeatureDefinition, Feature> {
  constructor(redis: Redis, keys: Keys) {
    super(redis, keys, {
      name: 'feature',
      updateCall: 'features.update()',
      key: (k, product, tag) => k.feature(product, tag),
      index: (k, product) => k.featureIndex(product),
      parse: parseFeature,
      compile: compileFeature,
    });
  }
}
