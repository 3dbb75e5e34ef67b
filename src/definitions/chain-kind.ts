import type { Chain } from '../core/chain.js';
import {
  type CodeFirstDefinition,
  type CodeFirstForm,
  FALLBACK_CODE_FORM,
  QUOTA_CODE_FORM,
} from '../core/definition/code-first.js';
import type { CompileContext } from '../core/definition/compile-context.js';
import { compileDeclarative } from '../core/definition/declarative.js';
import {
  compileDeclarativeQuota,
  type ParsedDeclarativeQuota,
} from '../core/definition/declarative-quota.js';
import type { ParsedDeclarativeDefinition } from '../core/definition/declarative-schema.js';
import type { ProductRegistry } from '../core/product-registry.js';
import type { ProductDefinitionStore } from '../store/product-definition-store.js';
import type { Stores } from '../store/redis-stores.js';
import type { CodeRegistry } from './code-registry.js';
import type { ProviderPaths } from './reference-check.js';

type StoredChainDefinition = ParsedDeclarativeDefinition | ParsedDeclarativeQuota;

/**
 * What differs between fallbacks and quotas where definitions are kept: the registry of code-first
 * ones, the Redis store, how each form compiles, and where providers were written. Everything
 * else (versions, reference checks, check_interval overrides, descriptions) is shared.
 */
export interface ChainKind {
  name: 'fallback' | 'quota';
  // biome-ignore lint/suspicious/noExplicitAny: the handler's ctx differs by kind (primary/fallback or provider)
  registry(code: CodeRegistry): ProductRegistry<{ chain: Chain; definition: CodeFirstDefinition<any> }>;
  store(stores: Stores): ProductDefinitionStore<StoredChainDefinition, Chain>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  codeForm: CodeFirstForm<any>;
  compileStored(
    definition: StoredChainDefinition,
    product: string,
    version: number,
    context: CompileContext,
  ): Chain;
  declarativePaths: ProviderPaths;
}

export const FALLBACK_KIND: ChainKind = {
  name: 'fallback',
  registry: (code) => code.fallbacks,
  store: (stores) => stores.fallbacks as ProductDefinitionStore<StoredChainDefinition, Chain>,
  codeForm: FALLBACK_CODE_FORM,
  compileStored: (definition, product, version, context) =>
    compileDeclarative(definition as ParsedDeclarativeDefinition, product, version, context),
  declarativePaths: (i) => `options[${i}]`,
};

export const QUOTA_KIND: ChainKind = {
  name: 'quota',
  registry: (code) => code.quotas,
  store: (stores) => stores.quotas as ProductDefinitionStore<StoredChainDefinition, Chain>,
  codeForm: QUOTA_CODE_FORM,
  compileStored: (definition, product, version, context) =>
    compileDeclarativeQuota(definition as ParsedDeclarativeQuota, product, version, context),
  declarativePaths: (i) => `options[${i}]`,
};
