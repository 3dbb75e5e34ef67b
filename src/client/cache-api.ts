import { z } from 'zod';
import type { CacheDefinition, StoredCacheType } from '../cache/cache-definition.js';
import type { Caches } from '../cache/caches.js';
import type { Defaults } from '../core/defaults.js';
import { tagSchema } from '../core/definition/common-schema.js';
import { resolveTarget } from '../core/run-target.js';
import { parseOrThrow } from '../core/zod-issues.js';

const clearSchema = z.strictObject({
  tag: tagSchema,
  env: tagSchema.optional(),
  product: tagSchema.optional(),
});

/**
 * `backstop.cache`: result caches. A run with `cache: tag` returns a stored result of an identical
 * run (same product, env, fallback, definition version, input and session identity) without calling
 * any provider, and stores successful results for `ttl`. Identical runs in flight share one call.
 */
export class CacheApi {
  constructor(
    private readonly caches: Caches,
    private readonly defaults: Defaults,
  ) {}

  /** Creates or replaces a cache type, kept in Redis so that every process sees it. */
  define(definition: CacheDefinition): Promise<StoredCacheType> {
    return this.caches.define(definition);
  }

  fetch(tag: string): Promise<StoredCacheType> {
    return this.caches.get(tag);
  }

  fetchAll(): Promise<StoredCacheType[]> {
    return this.caches.list();
  }

  /** Removes a cache type; results stored under it expire with their ttl and are never served again. */
  delete(tag: string): Promise<void> {
    return this.caches.delete(tag);
  }

  /** Deletes the stored results of one fallback in one env (every cache tag); returns how many. */
  async clear(params: { env?: string; product?: string; tag: string }): Promise<number> {
    // Checked as tags: they become a SCAN pattern, where '*' would reach other fallbacks' results.
    const parsed = parseOrThrow(clearSchema, params, 'invalid cache.clear parameters');
    const { env, product } = resolveTarget(parsed, this.defaults);
    return this.caches.clear(product, env, parsed.tag);
  }
}
