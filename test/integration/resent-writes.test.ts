import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cacheHash } from '../../src/cache/cache-key.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { silentLogger } from '../../src/core/logger.js';
import { connectStoreClient } from '../../src/redis/connection.js';
import { addHashCounts } from '../../src/redis/hash-counts.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { Keys } from '../../src/store/keys.js';
import { RedisRateLimiter } from '../../src/store/redis-rate-limiter.js';
import type { Stores } from '../../src/store/redis-stores.js';
import { closeAfterEach } from '../helpers/close-after-each.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { rawRedis, redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { type ReplyDroppingProxy, replyDroppingProxy } from '../helpers/reply-dropping-proxy.js';
import { until } from '../helpers/until.js';

/**
 * A write whose reply is lost with its connection: ioredis sends it again once it has reconnected
 * (it cannot know the write ran). Backstop's writes are applied once all the same: a counter is not
 * counted twice, an update that went through is not met as a conflict and applied again, a
 * rate-limit take does not take a second slot (or find the window full of itself), and a run that
 * took a single-flight lock does not wait for its own lock to expire.
 */
describe('writes sent again after a lost reply', () => {
  const closeLater = closeAfterEach();
  const proxied = async (marker: string): Promise<ReplyDroppingProxy> => {
    const proxy = await replyDroppingProxy(redisUrl(), marker);
    closeLater(() => proxy.close());
    return proxy;
  };
  /** A store connection through a proxy that loses the reply to the first request naming `marker`. */
  const storeThrough = async (marker: string) => {
    const proxy = await proxied(marker);
    const client: RedisClient = await connectStoreClient(proxy.url);
    closeLater(() => client.disconnect());
    return { proxy, client };
  };

  it('a batch of counts is counted once', async () => {
    const prefix = uniquePrefix();
    const key = `${prefix}:counts`;
    const { proxy, client } = await storeThrough(key);
    // Another batch first, on a key the proxy lets through.
    await addHashCounts(client, [[`${prefix}:warm`, new Map([['calls', 1]])]]);
    await addHashCounts(client, [[key, new Map([['calls', 1]])]]);
    expect(proxy.dropped()).toBe(true);
    const redis = rawRedis();
    closeLater(() => redis.disconnect());
    expect(await redis.hget(key, 'calls')).toBe('1');
  });

  it('an update is applied once: one new version, not a conflict with itself and a second', async () => {
    const marker = `refund-${randomUUID()}`;
    const proxy = await proxied(marker);
    const backstop = testBackstop({ redis: proxy.url });
    closeLater(() => backstop.close());
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

  it('a rate-limit take holds one slot: its own call is let through, the next one waits', async () => {
    const prefix = uniquePrefix();
    const keys = new Keys(prefix);
    const { proxy, client } = await storeThrough(keys.rateWindow('pay'));
    const limiter = new RedisRateLimiter(async () => ({ redis: client, keys }) as unknown as Stores);
    const limit = { max: 1, perMs: 60_000 };
    await limiter.take('warm', limit);
    expect(await limiter.take('pay', limit)).toEqual({ ok: true });
    expect(proxy.dropped()).toBe(true);
    expect(await limiter.take('pay', limit)).toMatchObject({ ok: false });
  });

  it('a run that took the single-flight lock runs at once, not after its own lock expires', async () => {
    const scope = {
      cacheTag: 'quotes',
      product: 'shop',
      env: 'prd',
      tag: 'quote',
      version: 1,
      input: { n: 1 },
    };
    const keys = new Keys(uniquePrefix());
    const entry = keys.cacheEntry(scope.product, scope.env, scope.tag, scope.cacheTag, cacheHash(scope));
    const { proxy, client } = await storeThrough(`${entry}:lock`);
    const redis = rawRedis();
    closeLater(() => redis.disconnect());
    await redis.hset(keys.cacheTypes(), scope.cacheTag, JSON.stringify({ tag: scope.cacheTag, ttl: 60_000 }));
    // A clock that never moves: a run waiting for its own lock (it polls on this clock) would wait
    // for good, and the test would time out.
    const cache = new ResultCache(client, keys, () => rawRedis(), new FakeClock(), silentLogger);
    closeLater(() => cache.close());
    const outcome = await cache.through(scope, async () => ({
      ok: true,
      runId: 'run-1',
      provider: 'a',
      result: { quote: 1 },
      attempts: [],
    }));
    expect(proxy.dropped()).toBe(true);
    expect(outcome.kind).toBe('ran');
  });

  it('a cache type deleted through a lost reply is deleted, not reported missing', async () => {
    const prefix = uniquePrefix();
    const tag = `quotes-${randomUUID()}`;
    // Defined directly; deleted through the proxy, whose first request naming the tag is the delete.
    const direct = testBackstop({ prefix });
    closeLater(() => direct.close());
    await direct.cache.define({ tag, ttl: 60_000 });
    const proxy = await proxied(tag);
    const backstop = testBackstop({ prefix, redis: proxy.url });
    closeLater(() => backstop.close());
    await backstop.cache.delete(tag);
    expect(proxy.dropped()).toBe(true);
    expect((await direct.cache.fetchAll()).map((cache) => cache.tag)).not.toContain(tag);
  });

  it('a drill cancelled through a lost reply is reported cancelled, and the drills version moves once', async () => {
    const prefix = uniquePrefix();
    const keys = new Keys(prefix);
    const direct = testBackstop({ prefix });
    closeLater(() => direct.close());
    const drill = await direct.health.drill({ provider: 'stripe', mode: 'down', duration: 60_000 });
    const redis = rawRedis();
    closeLater(() => redis.disconnect());
    const before = Number(await redis.get(keys.drillsVersion()));
    // The proxy loses the reply to the first request naming the drill: the cancel.
    const proxy = await proxied(drill.id);
    const backstop = testBackstop({ prefix, redis: proxy.url });
    closeLater(() => backstop.close());
    expect(await backstop.health.cancelDrill(drill.id)).toBe(true);
    expect(proxy.dropped()).toBe(true);
    expect(await redis.hexists(keys.drills(), drill.id)).toBe(0);
    expect(Number(await redis.get(keys.drillsVersion()))).toBe(before + 1);
  });

  it('an alert published twice (its reply lost, the PUBLISH sent again) is one health.alert event', async () => {
    const prefix = uniquePrefix();
    const channel = new Keys(prefix).alertEvents();
    const backstop = testBackstop({ prefix });
    closeLater(() => backstop.close());
    const heard: string[] = [];
    backstop.on('health.alert', (event) => heard.push(event.id));
    await backstop.health.drills(); // connects, and subscribes to the alert channel
    const redis = rawRedis();
    closeLater(() => redis.disconnect());
    await until(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] > 0);
    const alert = (id: string) =>
      JSON.stringify({
        event: 'stripe-down',
        alert: {
          id,
          transition: 'unhealthy',
          product: 'p',
          env: 'prd',
          healthcheck: 'h',
          reason: 'r',
          at: '',
        },
      });
    await redis.publish(channel, alert('a1'));
    await redis.publish(channel, alert('a1'));
    await redis.publish(channel, alert('a2')); // after the duplicate on the same channel: heard after it
    await until(() => heard.includes('a2'));
    expect(heard).toEqual(['a1', 'a2']);
  });

  it('a new queue added through a lost reply is still announced to the workers that take every queue', async () => {
    const prefix = uniquePrefix();
    const product = `shop-${randomUUID().slice(0, 8)}`;
    const define = (b: ReturnType<typeof testBackstop>) => {
      b.handlers.register('shop-app', 'send', async () => ({ id: 'ok' }));
      return b.fallback.define({
        product,
        tag: 'order',
        name: 'Order',
        handler: (ctx) => void ctx.primary('p').app('shop-app').action('send'),
      });
    };
    const direct = testBackstop({ prefix });
    closeLater(() => direct.close());
    await define(direct);
    const worker = await direct.worker({ healthchecks: false }); // takes every queue, new ones too
    closeLater(() => worker.close());
    // Another queue first: Redis then knows the adding script, and runs the call the proxy sends.
    await direct.jobQueue(`warm-${product}`);
    // The proxy loses the reply to the first request naming the set of queues: adding this one.
    const proxy = await proxied(`${prefix}:job-queues`);
    const producer = testBackstop({ prefix, redis: proxy.url });
    closeLater(() => producer.close());
    await define(producer);
    const job = await producer.fallback.dispatch({ product, tag: 'order' });
    expect(proxy.dropped()).toBe(true);
    expect((await direct.jobs.wait(job.id, { timeout: 10_000 })).state).toBe('completed');
    expect(worker.queues).toContain(product);
  });
});
