import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { NotFoundError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisStores } from '../store/redis-stores.js';
import {
  type CacheDefinition,
  cacheDefinitionSchema,
  noSuchCache,
  type StoredCacheType,
} from './cache-definition.js';
import { ResultCache } from './result-cache.js';

/**
 * HDEL applied once (lua-command.ts): sent again after a lost reply, a plain HDEL answers 0, and
 * the delete that went through would be reported as a cache that does not exist.
 */
const deleteField = luaCommand<number>('backstopHashDelete', 'return redis.call("HDEL", KEYS[1], ARGV[1])', {
  once: true,
});

/**
 * The result caches of an installation: their types (`cache.define`, kept in Redis so every process
 * sees them) and the stored results with single flight, made on first use.
 */
export class Caches {
  private results: ResultCache | undefined;

  constructor(
    private readonly stores: RedisStores,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    stores.hook(
      async ({ redis, keys, blocking }) => {
        this.results = new ResultCache(redis, keys, blocking, clock, logger);
      },
      async () => this.results?.close(),
    );
  }

  /** The stored results, connecting first if needed. */
  async resultCache(): Promise<ResultCache> {
    await this.stores.get();
    return this.results!;
  }

  /** Creates or replaces a cache type. */
  async define(definition: CacheDefinition): Promise<StoredCacheType> {
    const parsed = parseOrThrow(cacheDefinitionSchema, definition, 'invalid cache definition');
    const { redis, keys } = await this.stores.get();
    const stored: StoredCacheType = { ...parsed, updatedAt: new Date(this.clock.now()).toISOString() };
    await redis.hset(keys.cacheTypes(), parsed.tag, JSON.stringify(stored));
    return stored;
  }

  async fetch(tag: string): Promise<StoredCacheType | undefined> {
    const { redis, keys } = await this.stores.get();
    const json = await redis.hget(keys.cacheTypes(), tag);
    return json ? (JSON.parse(json) as StoredCacheType) : undefined;
  }

  async get(tag: string): Promise<StoredCacheType> {
    const found = await this.fetch(tag);
    if (!found) throw new NotFoundError('cache', tag);
    return found;
  }

  /** Throws a ValidationError naming `cache` when no cache of that tag is defined. */
  async check(tag: string): Promise<void> {
    if (!(await this.fetch(tag))) throw noSuchCache(tag);
  }

  async list(): Promise<StoredCacheType[]> {
    const { redis, keys } = await this.stores.get();
    const all = await redis.hgetall(keys.cacheTypes());
    return Object.values(all)
      .map((json) => JSON.parse(json) as StoredCacheType)
      .sort((a, b) => a.tag.localeCompare(b.tag));
  }

  /** Removes a cache type; results stored under it expire with their ttl and are never served again. */
  async delete(tag: string): Promise<void> {
    const { redis, keys } = await this.stores.get();
    if ((await deleteField(redis, [keys.cacheTypes()], [tag])) === 0) throw new NotFoundError('cache', tag);
  }

  /** Deletes the stored results of one fallback in one env (every cache tag); returns how many. */
  async clear(product: string, env: string, tag: string): Promise<number> {
    return (await this.resultCache()).clear(product, env, tag);
  }
}
