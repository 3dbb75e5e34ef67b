import type { Chain } from '../core/chain.js';
import type { Defaults } from '../core/defaults.js';
import { type CodeFirstDefinition, compileCodeFirst } from '../core/definition/code-first.js';
import type { CompileContext } from '../core/definition/compile-context.js';
import type { HealthView } from '../core/health-view.js';
import { NotFoundError, UnsupportedError } from '../core/validation-error.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { DefinitionPatch } from '../store/product-definition-store.js';
import type { RedisStores } from '../store/redis-stores.js';
import { type ChainKind, FALLBACK_KIND } from './chain-kind.js';
import type { CodeRegistry } from './code-registry.js';
import type { DefinitionResolver } from './definition-resolver.js';
import { describeChain, describeStored, type FallbackDescription } from './describe-fallback.js';
import type { ReferenceCheck } from './reference-check.js';

export interface FallbackCatalogDeps {
  code: CodeRegistry;
  stores: RedisStores;
  definitions: DefinitionResolver;
  health: HealthMonitor;
  healthView: HealthView;
  defaults: Defaults;
  references: ReferenceCheck;
  /** Declared secrets and the JSON depth limit. */
  compile: CompileContext;
}

/**
 * Fallback (or quota) definitions, both forms: code-first ones kept in this process, declarative
 * ones stored in Redis. Every write also records the options' `check_interval` overrides, so that
 * their healthchecks probe as often as the definition asks.
 */
export class FallbackCatalog {
  private readonly registry: ReturnType<ChainKind['registry']>;

  constructor(
    private readonly deps: FallbackCatalogDeps,
    private readonly kind: ChainKind = FALLBACK_KIND,
  ) {
    this.registry = kind.registry(deps.code);
  }

  /** A code-first chain, kept in this process's registry; defining it again replaces it (new version). */
  // biome-ignore lint/suspicious/noExplicitAny: the handler's ctx is the kind's (fallback or quota)
  async define(definition: CodeFirstDefinition<any>): Promise<FallbackDescription> {
    const { defaults } = this.deps;
    const product = defaults.requireProduct(definition?.product);
    const previous = this.registry.get(product, definition?.tag)?.chain;
    const chain = await compileCodeFirst(
      definition,
      defaults.product,
      (previous?.version ?? 0) + 1,
      this.deps.compile,
      this.kind.codeForm,
    );
    await this.deps.references.chain(chain, this.kind.codeForm.path, 'code');
    this.registry.set(chain.product, chain.tag, { chain, definition });
    await this.noteIntervals(chain);
    return this.describeChain(chain);
  }

  /** A declarative chain, stored in Redis; creating the same definition again is a no-op. */
  async create(product: string, definition: unknown): Promise<FallbackDescription> {
    const store = this.kind.store(await this.deps.stores.get());
    const stored = await store.create(product, definition, this.checkStored);
    await this.noteIntervals(this.compileStored(stored.definition, product, stored.version));
    return describeStored(stored, this.deps.healthView, this.deps.defaults.displayEnv());
  }

  /** The definition with its providers' tracked state in `env`. */
  async describe(product: string, tag: string, env = this.deps.defaults.displayEnv()) {
    const chain = this.registry.get(product, tag)?.chain;
    if (chain) return describeChain(chain, this.deps.healthView, env);
    const store = this.kind.store(await this.deps.stores.get());
    const stored = await store.fetch(product, tag);
    if (!stored) throw new NotFoundError(this.kind.name, tag, product);
    return describeStored(stored, this.deps.healthView, env);
  }

  /** Every definition of this kind, stored and code-first; of one product when given. */
  async list(product?: string): Promise<FallbackDescription[]> {
    const store = this.kind.store(await this.deps.stores.get());
    const env = this.deps.defaults.displayEnv();
    const stored = (await store.list(product)).map((s) => describeStored(s, this.deps.healthView, env));
    const code = this.registry.list(product).map((c) => this.describeChain(c.value.chain));
    return [...stored, ...code];
  }

  /**
   * Top-level fields of the patch replace the definition's; the version goes up. A patch may be a
   * function of the current stored definition (read and applied in one compare-and-set).
   */
  async update(
    product: string,
    tag: string,
    // biome-ignore lint/suspicious/noExplicitAny: the stored form is the kind's
    patch: DefinitionPatch<any>,
  ): Promise<FallbackDescription> {
    const codeDefinition = this.registry.get(product, tag)?.definition;
    const { name } = this.kind;
    if (codeDefinition) {
      if (typeof patch === 'function')
        throw new UnsupportedError(
          'input',
          `${name} '${tag}' is defined in code (${name}.define): change it there`,
        );
      return this.define({ ...codeDefinition, ...(patch as Partial<CodeFirstDefinition>), product, tag });
    }
    const store = this.kind.store(await this.deps.stores.get());
    const stored = await store.update(product, tag, patch, this.checkStored);
    await this.noteIntervals(this.compileStored(stored.definition, product, stored.version));
    return describeStored(stored, this.deps.healthView, this.deps.defaults.displayEnv());
  }

  /** Whether the definition is in code (in this process) rather than stored. */
  isCodeFirst(product: string, tag: string): boolean {
    return this.registry.get(product, tag) !== undefined;
  }

  /** The compiled chain (code-first first, then Redis); BACKSTOP_NOT_FOUND when there is none. */
  chain(product: string, tag: string): Promise<Chain> {
    return this.kind.name === 'quota'
      ? this.deps.definitions.quota(product, tag)
      : this.deps.definitions.fallback(product, tag);
  }

  /** Deletes a definition and its `check_interval` overrides. */
  async delete(product: string, tag: string): Promise<void> {
    const chain = await this.chain(product, tag);
    if (!this.registry.delete(product, tag)) {
      const store = this.kind.store(await this.deps.stores.get());
      if (!(await store.delete(product, tag))) throw new NotFoundError(this.kind.name, tag, product);
    }
    await this.noteIntervals({
      ...chain,
      providers: chain.providers.map((p) => ({ ...p, checkInterval: undefined })),
    });
  }

  private readonly checkStored = (chain: Chain) =>
    this.deps.references.chain(chain, this.kind.declarativePaths, 'declarative');

  // biome-ignore lint/suspicious/noExplicitAny: the stored form is the kind's
  private compileStored(definition: any, product: string, version: number): Chain {
    return this.kind.compileStored(definition, product, version, this.deps.compile);
  }

  private noteIntervals(chain: Chain): Promise<void> {
    return this.deps.health.noteIntervals(chain.product, chain.tag, chain.providers);
  }

  private describeChain(chain: Chain): FallbackDescription {
    return describeChain(chain, this.deps.healthView, this.deps.defaults.displayEnv());
  }
}
