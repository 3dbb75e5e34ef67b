import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectStoreClient } from '../../src/redis/connection.js';
import { addHashCounts } from '../../src/redis/hash-counts.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { rawRedis, redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { type ReplyDroppingProxy, replyDroppingProxy } from '../helpers/reply-dropping-proxy.js';

/**
 * A write whose reply is lost with its connection: ioredis sends it again once it has reconnected
 * (it cannot know the write ran). Backstop's writes are applied once all the same: a counter is not
 * counted twice, and a create that went through is not refused as a duplicate of itself.
 */
describe('writes sent again after a lost reply', () => {
  const closers: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const proxied = async (marker: string): Promise<ReplyDroppingProxy> => {
    const proxy = await replyDroppingProxy(redisUrl(), marker);
    closers.push(() => proxy.close());
    return proxy;
  };

  it('a batch of counts is counted once', async () => {
    const prefix = uniquePrefix();
    const key = `${prefix}:counts`;
    const proxy = await proxied(key);
    const client: RedisClient = await connectStoreClient(proxy.url);
    closers.push(() => client.disconnect());
    // Loads the script first: the lost request is then the counting itself, not a NOSCRIPT.
    await addHashCounts(client, [[`${prefix}:warm`, new Map([['calls', 1]])]]);
    await addHashCounts(client, [[key, new Map([['calls', 1]])]]);
    expect(proxy.dropped()).toBe(true);
    const redis = rawRedis();
    closers.push(() => redis.disconnect());
    expect(await redis.hget(key, 'calls')).toBe('1');
  });

  it('an update is applied once: one new version, not a conflict with itself and a second', async () => {
    const marker = `refund-${randomUUID()}`;
    const proxy = await proxied(marker);
    const backstop = testBackstop({ redis: proxy.url });
    closers.push(() => backstop.close());
    const first = { type: 'action' as const, app: 'a', event: 'pay', provider: 'a' };
    await backstop.fallback.create({ name: 'Pay', tag: 'pay', options: [first] });
    const second = { type: 'action' as const, app: 'b', event: marker, provider: 'b' };
    const updated = await backstop.fallback.update('pay', { options: [first, second] });
    expect(proxy.dropped()).toBe(true);
    expect(updated.version).toBe(2);
    const stored = await backstop.fallback.fetch('pay');
    expect(stored.version).toBe(2);
    expect(stored.options).toHaveLength(2);
  });
});
