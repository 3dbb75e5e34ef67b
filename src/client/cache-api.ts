import { z } from 'zod';
import {
  type CacheDefinition,
  cacheDefinitionSchema,
  type StoredCacheType,
} from '../cache/cache-definition.js';
import { tagSchema } from '../core/definition/common-schema.js';
import { NotFoundError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { Internals } from './internals.js';
import { resolveTarget } from './run-params.js';

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
  constructor(private readonly internals: Internals) {}

  /** Creates or replaces a cache type, kept in Redis so that every process sees it. */
  async define(definition: CacheDefinition): Promise<StoredCacheType> {
    const parsed = parseOrThrow(cacheDefinitionSchema, definition, 'invalid cache definition');
    const { redis, keys } = await this.internals.runtime.get();
    const stored: StoredCacheType = { ...parsed, updatedAt: new Date().toISOString() };
    await redis.hset(keys.cacheTypes(), parsed.tag, JSON.stringify(stored));
    return stored;
  }

  async fetch(tag: string): Promise<StoredCacheType> {
    const { redis, keys } = await this.internals.runtime.get();
    const json = await redis.hget(keys.cacheTypes(), tag);
    if (!json) throw new NotFoundError('cache', tag);
    return JSON.parse(json) as StoredCacheType;
  }

  async fetchAll(): Promise<StoredCacheType[]> {
    const { redis, keys } = await this.internals.runtime.get();
    const all = await redis.hgetall(keys.cacheTypes());
    return Object.values(all)
      .map((json) => JSON.parse(json) as StoredCacheType)
      .sort((a, b) => a.tag.localeCompare(b.tag));
  }

  /** Removes a cache type; results stored under it expire with their ttl and are never served again. */
  async delete(tag: string): Promise<void> {
    const { redis, keys } = await this.internals.runtime.get();
    if ((await redis.hdel(keys.cacheTypes(), tag)) === 0) throw new NotFoundError('cache', tag);
  }

  /** Deletes the stored results of one fallback in one env (every cache tag); returns how many. */
  async clear(params: { env?: string; product?: string; tag: string }): Promise<number> {
    // Checked as tags: they become a SCAN pattern, where '*' would reach other fallbacks' results.
    const parsed = parseOrThrow(clearSchema, params, 'invalid cache.clear parameters');
    const { env, product } = resolveTarget(parsed, this.internals.defaults);
    const { results } = await this.internals.runtime.get();
    return results.clear(product, env, parsed.tag);
  }
}
