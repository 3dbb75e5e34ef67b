import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/index.js';
import { Keys } from '../../src/store/keys.js';
import { CACHE, INPUT, issuePaths, useCacheKit } from '../helpers/cache-kit.js';
import { rejection } from '../helpers/http-chains.js';
import { rawRedis } from '../helpers/redis.js';

/** Cache types (`cache.define`, fetch, fetchAll, delete), runs naming one that is not defined, and clearing results. */
const k = useCacheKit();

describe('cache.define, fetch, fetchAll, delete', () => {
  it('accepts a ttl in ms and as a duration, stored in ms', async () => {
    expect(await k.backstop.cache.define({ tag: 'short', ttl: 60_000 })).toMatchObject({
      tag: 'short',
      ttl: 60_000,
    });
    expect(await k.backstop.cache.define({ tag: 'long', ttl: '10m' })).toMatchObject({
      tag: 'long',
      ttl: 600_000,
    });
    expect(await k.backstop.cache.fetch('long')).toMatchObject({ tag: 'long', ttl: 600_000 });
  });

  it.each([['soon'], [0], [-1]])('refuses ttl %j with a ValidationError naming ttl', async (ttl) => {
    const error = await rejection(k.backstop.cache.define({ tag: 'bad', ttl }));
    expect(issuePaths(error)).toEqual(['ttl']);
    await expect(k.backstop.cache.fetch('bad')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a tag that is not a tag, naming tag', async () => {
    const error = await rejection(k.backstop.cache.define({ tag: 'not a tag!', ttl: '1m' }));
    expect(issuePaths(error)).toEqual(['tag']);
  });

  it('lists every cache type sorted by tag, and deletes one', async () => {
    await k.backstop.cache.define({ tag: 'b-cache', ttl: '1m' });
    await k.backstop.cache.define({ tag: 'a-cache', ttl: 1_000, description: 'short' });
    const all = await k.backstop.cache.fetchAll();
    expect(all.map((c) => [c.tag, c.ttl, c.description])).toEqual([
      ['a-cache', 1_000, 'short'],
      ['b-cache', 60_000, undefined],
    ]);
    await k.backstop.cache.delete('a-cache');
    expect((await k.backstop.cache.fetchAll()).map((c) => c.tag)).toEqual(['b-cache']);
    await expect(k.backstop.cache.fetch('a-cache')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('fetch and delete of an unknown tag reject with NotFoundError', async () => {
    await expect(k.backstop.cache.fetch('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(k.backstop.cache.delete('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('cache tags that are not defined', () => {
  it('a run naming an undefined cache is refused, naming cache, and calls nothing', async () => {
    const { sim, tag } = await k.cachedChain();
    const error = await rejection(k.backstop.fallback.run({ tag, input: INPUT, cache: 'no-such-cache' }));
    expect(issuePaths(error)).toEqual(['cache']);
    expect(sim.calls).toHaveLength(0);
  });

  it('a run naming a deleted cache is refused and its stored result is not served', async () => {
    const { sim, tag } = await k.cachedChain();
    await k.cachedRun(tag);
    await k.backstop.cache.delete(CACHE);
    const error = await rejection(k.cachedRun(tag));
    expect(issuePaths(error)).toEqual(['cache']);
    expect(sim.calls).toHaveLength(1);
  });

  it('a dispatch naming an undefined cache is refused and nothing is queued', async () => {
    const { tag } = await k.cachedChain();
    const connection = rawRedis();
    const queue = new Queue('my-product', {
      connection,
      prefix: new Keys(k.prefix).jobQueuePrefix('my-product'),
    });
    try {
      const error = await rejection(
        k.backstop.fallback.dispatch({ tag, input: INPUT, cache: 'no-such-cache' }),
      );
      expect(issuePaths(error)).toEqual(['cache']);
      expect(await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized')).toEqual({
        waiting: 0,
        delayed: 0,
        active: 0,
        prioritized: 0,
      });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

describe('deleting cached results', () => {
  const first = { input: { amount: 1, currency: 'EUR' } };
  const second = { input: { amount: 2, currency: 'EUR' } };

  it('cache.clear deletes the fallback’s stored results, returns how many, and the next run misses', async () => {
    const { sim, tag } = await k.cachedChain();
    await k.cachedRun(tag, first);
    await k.cachedRun(tag, second);
    expect(await k.backstop.cache.clear({ tag })).toBe(2);
    expect(await k.backstop.cache.clear({ tag })).toBe(0);
    const after = await k.cachedRun(tag, first);
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(3);
  });

  it('cache.clear refuses a tag that is not a tag: a glob would reach other fallbacks’ results', async () => {
    const { tag } = await k.cachedChain();
    await k.cachedRun(tag, first);
    const error = await rejection(k.backstop.cache.clear({ tag: '*' }));
    expect(issuePaths(error)).toEqual(['tag']);
    expect(await k.backstop.cache.clear({ tag })).toBe(1);
  });

  it('processor reset deletes the cached results in that env and the next run misses', async () => {
    const { sim, tag } = await k.cachedChain();
    await k.cachedRun(tag, first);
    await k.cachedRun(tag, second);
    const reset = await k.backstop.processor.fallback.run({
      env: 'prd',
      product_tag: 'my-product',
      fallback_tag: tag,
      action: 'reset',
    });
    expect(reset).toEqual({ action: 'reset', env: 'prd', providers: [sim.name], cacheEntries: 2 });
    const after = await k.cachedRun(tag, second);
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(3);
  });
});
