import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheHash } from '../../src/cache/cache-key.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { RunOutcome } from '../../src/core/run-chain.js';
import { FallbackExhaustedError } from '../../src/core/run-errors.js';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { Keys } from '../../src/store/keys.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { rawRedis, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

const SUCCESS: RunOutcome = {
  ok: true,
  runId: 'run-1',
  provider: 'stripe',
  result: { chargeId: 'ch_1' },
  attempts: [],
};
const scope = {
  cacheTag: 'charges',
  product: 'shop',
  env: 'prd',
  tag: 'charge',
  version: 1,
  input: { n: 1 },
};

/** A result cache on `redis` under a fresh prefix, its cache type defined, and where its run's keys are. */
async function cacheOn(redis: Redis, logger = silentLogger) {
  const keys = new Keys(uniquePrefix());
  await redis.hset(keys.cacheTypes(), scope.cacheTag, JSON.stringify({ tag: scope.cacheTag, ttl: 60_000 }));
  const cache = new ResultCache(redis, keys, () => redis.duplicate(), systemClock, logger);
  const entry = keys.cacheEntry(scope.product, scope.env, scope.tag, scope.cacheTag, cacheHash(scope));
  return { cache, keys, entry, lock: `${entry}:lock` };
}

/** The messages published on `channel` from now on (the single-flight wake-ups). */
async function listen(redis: Redis, channel: string): Promise<string[]> {
  const heard: string[] = [];
  redis.on('message', (_channel: string, message: string) => heard.push(message));
  await redis.subscribe(channel);
  return heard;
}

/**
 * How a single-flight run ends (one script): the result stored, the lock released only if it is
 * still this run's, and the waiters woken, whatever became of the lock or the store.
 */
describe('ending a single-flight run', () => {
  const connections: Redis[] = [];
  const connect = (make: () => Redis = rawRedis) => {
    const redis = make();
    connections.push(redis);
    return redis;
  };
  afterAll(() => {
    for (const redis of connections) redis.disconnect();
  });

  it('stores the result and wakes the waiters, but leaves a lock another run took over', async () => {
    const redis = connect();
    const { cache, keys, entry, lock } = await cacheOn(redis);
    const heard = await listen(connect(), keys.cacheEvents());
    const outcome = await cache.through(scope, async () => {
      // Our lock expired while the chain ran, and another run took it.
      await redis.set(lock, 'another-run');
      return SUCCESS;
    });
    expect(outcome.kind).toBe('ran');
    expect(JSON.parse((await redis.get(entry)) ?? '{}')).toMatchObject({ provider: 'stripe' });
    expect(await redis.get(lock)).toBe('another-run');
    await until(() => heard.includes(entry));
    await cache.close();
  });

  it('releases its own lock and wakes the waiters after a failed run, storing nothing', async () => {
    const redis = connect();
    const { cache, keys, entry, lock } = await cacheOn(redis);
    const heard = await listen(connect(), keys.cacheEvents());
    const data = {
      runId: 'run-2',
      product: 'shop',
      tag: 'charge',
      env: 'prd',
      attempts: [],
      providerErrors: {},
    };
    const failed: RunOutcome = {
      ok: false,
      runId: 'run-2',
      error: new FallbackExhaustedError(data),
      attempts: [],
    };
    const outcome = await cache.through(scope, async () => {
      expect(await redis.exists(lock)).toBe(1);
      return failed;
    });
    expect(outcome).toMatchObject({ kind: 'ran', stored: undefined });
    expect(await redis.exists(entry, lock)).toBe(0);
    await until(() => heard.includes(entry));
    await cache.close();
  });

  it('still frees the lock and wakes the waiters when Redis refuses the store (maxmemory)', async () => {
    // A server of its own: the shared one must keep taking other tests' writes.
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-cache-finish-'));
    const server = await startEmbeddedRedis({ dataDir, appendOnly: false });
    try {
      const redis = connect(() => new Redis(server.url));
      const logger = captureLogger();
      const { cache, keys, entry, lock } = await cacheOn(redis, logger);
      const heard = await listen(
        connect(() => new Redis(server.url)),
        keys.cacheEvents(),
      );
      const outcome = await cache.through(scope, async () => {
        await redis.config('SET', 'maxmemory', '1');
        return SUCCESS;
      });
      await redis.config('SET', 'maxmemory', '0');
      expect(outcome.kind).toBe('ran');
      expect(await redis.exists(entry, lock)).toBe(0);
      await until(() => heard.includes(entry));
      const warned = logger.lines.filter((l) => l.msg === 'could not store a result or release its lock');
      expect(warned).toHaveLength(1);
      expect(warned[0]?.obj).toMatchObject({ code: 'BACKSTOP_REDIS_FULL', key: entry });
      expect(String(warned[0]?.obj.reason)).toContain('OOM');
      await cache.close();
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
