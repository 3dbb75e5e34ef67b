import type { Chain } from '../core/chain.js';
import type { Feature } from '../core/feature/feature.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import { NotFoundError } from '../core/validation-error.js';
import type { ProbeHandler } from '../health/probe-runner.js';
import type { RedisStores } from '../store/redis-stores.js';
import type { CodeRegistry } from './code-registry.js';

/** A healthcheck found by tag: a code-first one comes with its probe function. */
export interface FoundHealthcheck {
  definition: HealthcheckDefinition;
  handler?: ProbeHandler | undefined;
  source: 'code' | 'declarative';
}

/**
 * Finds a definition by product and tag, the one way every caller does (the APIs, the producer,
 * the job worker, health): this process's code-first definitions first, then Redis, where stored
 * definitions are compiled once per version and dropped when any process changes them.
 */
export class DefinitionResolver {
  constructor(
    private readonly code: CodeRegistry,
    private readonly stores: RedisStores,
  ) {}

  /** The chain of a fallback; BACKSTOP_NOT_FOUND naming tag and product when there is none. */
  async fallback(product: string, tag: string): Promise<Chain> {
    const chain = this.code.chain(product, tag);
    if (chain) return chain;
    const { fallbacks } = await this.stores.get();
    const stored = await fallbacks.chain(product, tag);
    if (!stored) throw new NotFoundError('fallback', tag, product);
    return stored;
  }

  /** The chain of a quota (providers picked by weight); BACKSTOP_NOT_FOUND when there is none. */
  async quota(product: string, tag: string): Promise<Chain> {
    const chain = this.code.quota(product, tag);
    if (chain) return chain;
    const { quotas } = await this.stores.get();
    const stored = await quotas.chain(product, tag);
    if (!stored) throw new NotFoundError('quota', tag, product);
    return stored;
  }

  /** A feature (features live in Redis only). */
  async feature(product: string, tag: string): Promise<Feature> {
    const { features } = await this.stores.get();
    const feature = await features.compiled(product, tag);
    if (!feature) throw new NotFoundError('feature', tag, product);
    return feature;
  }

  /** The tags of a product's fallbacks or quotas (code-first and stored) or features, for messages. */
  async tags(product: string, kind: 'fallback' | 'quota' | 'feature'): Promise<string[]> {
    const registry =
      kind === 'fallback' ? this.code.fallbacks : kind === 'quota' ? this.code.quotas : undefined;
    const code = registry ? registry.list(product).map((e) => e.value.chain.tag) : [];
    const { fallbacks, quotas, features } = await this.stores.get();
    const stored = await (kind === 'fallback' ? fallbacks : kind === 'quota' ? quotas : features).list(
      product,
    );
    return [...new Set([...code, ...stored.map((s) => s.definition.tag)])].sort();
  }

  /** A healthcheck, or undefined when there is none (a probe of a deleted healthcheck is skipped). */
  async healthcheck(product: string, tag: string): Promise<FoundHealthcheck | undefined> {
    const code = this.code.healthchecks.get(product, tag);
    if (code) return { ...code, source: 'code' };
    const { healthchecks } = await this.stores.get();
    const definition = await healthchecks.definition(product, tag);
    return definition && { definition, source: 'declarative' };
  }
}
