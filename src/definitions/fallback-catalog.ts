import type { Chain } from '../core/chain.js';
import type { Defaults } from '../core/defaults.js';
import { type CodeFirstDefinition, compileCodeFirst } from '../core/definition/code-first.js';
import { compileDeclarative } from '../core/definition/declarative.js';
import type { ParsedDeclarativeDefinition } from '../core/definition/declarative-schema.js';
import type { HealthView } from '../core/health-view.js';
import { NotFoundError, UnsupportedError } from '../core/validation-error.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { DefinitionPatch } from '../store/product-definition-store.js';
import type { RedisStores } from '../store/redis-stores.js';
import type { CodeRegistry } from './code-registry.js';
import type { DefinitionResolver } from './definition-resolver.js';
import { describeChain, describeStored, type FallbackDescription } from './describe-fallback.js';

export interface FallbackCatalogDeps {
  code: CodeRegistry;
  stores: RedisStores;
  definitions: DefinitionResolver;
  health: HealthMonitor;
  healthView: HealthView;
  defaults: Defaults;
}

/**
 * Fallback definitions, both forms: code-first ones kept in this process, declarative ones stored
 * in Redis. Every write also records the options' `check_interval` overrides, so that their
 * healthchecks probe as often as the fallback asks.
 */
export class FallbackCatalog {
  constructor(private readonly deps: FallbackCatalogDeps) {}

  /** A code-first chain, kept in this process's registry; defining it again replaces it (new version). */
  async define(definition: CodeFirstDefinition): Promise<FallbackDescription> {
    const { code, defaults } = this.deps;
    const product = defaults.requireProduct(definition?.product);
    const previous = code.chain(product, definition?.tag);
    const chain = await compileCodeFirst(definition, defaults.product, (previous?.version ?? 0) + 1);
    code.fallbacks.set(chain.product, chain.tag, { chain, definition });
    await this.noteIntervals(chain);
    return this.describeChain(chain);
  }

  /** A declarative chain, stored in Redis; creating the same definition again is a no-op. */
  async create(product: string, definition: unknown): Promise<FallbackDescription> {
    const { fallbacks } = await this.deps.stores.get();
    const stored = await fallbacks.create(product, definition);
    await this.noteIntervals(compileDeclarative(stored.definition, product, stored.version));
    return describeStored(stored, this.deps.healthView, this.deps.defaults.displayEnv());
  }

  /** The definition with its providers' tracked state in `env`. */
  async describe(product: string, tag: string, env = this.deps.defaults.displayEnv()) {
    const chain = this.deps.code.chain(product, tag);
    if (chain) return describeChain(chain, this.deps.healthView, env);
    const { fallbacks } = await this.deps.stores.get();
    const stored = await fallbacks.fetch(product, tag);
    if (!stored) throw new NotFoundError('fallback', tag, product);
    return describeStored(stored, this.deps.healthView, env);
  }

  /** Every fallback, stored and code-first; of one product when given. */
  async list(product?: string): Promise<FallbackDescription[]> {
    const { fallbacks } = await this.deps.stores.get();
    const env = this.deps.defaults.displayEnv();
    const stored = (await fallbacks.list(product)).map((s) => describeStored(s, this.deps.healthView, env));
    const code = this.deps.code.fallbacks.list(product).map((c) => this.describeChain(c.value.chain));
    return [...stored, ...code];
  }

  /**
   * Top-level fields of the patch replace the definition's; the version goes up. A patch may be a
   * function of the current stored definition (read and applied in one compare-and-set).
   */
  async update(
    product: string,
    tag: string,
    patch: DefinitionPatch<ParsedDeclarativeDefinition>,
  ): Promise<FallbackDescription> {
    const codeDefinition = this.deps.code.fallbacks.get(product, tag)?.definition;
    if (codeDefinition) {
      if (typeof patch === 'function')
        throw new UnsupportedError(
          'input',
          `fallback '${tag}' is defined in code (fallback.define): change it there`,
        );
      return this.define({ ...codeDefinition, ...(patch as Partial<CodeFirstDefinition>), product, tag });
    }
    const { fallbacks } = await this.deps.stores.get();
    const stored = await fallbacks.update(product, tag, patch);
    await this.noteIntervals(compileDeclarative(stored.definition, product, stored.version));
    return describeStored(stored, this.deps.healthView, this.deps.defaults.displayEnv());
  }

  /** Whether the fallback is defined in code (in this process) rather than stored. */
  isCodeFirst(product: string, tag: string): boolean {
    return this.deps.code.chain(product, tag) !== undefined;
  }

  /** Deletes a fallback and its `check_interval` overrides. */
  async delete(product: string, tag: string): Promise<void> {
    const chain = await this.deps.definitions.fallback(product, tag);
    if (!this.deps.code.fallbacks.delete(product, tag)) {
      const { fallbacks } = await this.deps.stores.get();
      if (!(await fallbacks.delete(product, tag))) throw new NotFoundError('fallback', tag, product);
    }
    await this.noteIntervals({
      ...chain,
      providers: chain.providers.map((p) => ({ ...p, checkInterval: undefined })),
    });
  }

  private noteIntervals(chain: Chain): Promise<void> {
    return this.deps.health.noteIntervals(chain.product, chain.tag, chain.providers);
  }

  private describeChain(chain: Chain): FallbackDescription {
    return describeChain(chain, this.deps.healthView, this.deps.defaults.displayEnv());
  }
}
