import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { addHashCounts } from '../../src/redis/hash-counts.js';
import { luaCommand } from '../../src/redis/lua-command.js';
import { groupBySlot, hashTag } from '../../src/redis/slot-groups.js';
import { rawRedis, uniquePrefix } from '../helpers/redis.js';

/** Appends ARGV to the list KEYS[1] and returns its length: its result shows it ran, and where. */
const PUSH = `
for i = 1, #ARGV do redis.call("RPUSH", KEYS[1], ARGV[i]) end
return redis.call("LLEN", KEYS[1])
`;
const sha = createHash('sha1').update(PUSH).digest('hex');
const push = luaCommand<number>('backstopTestPush', PUSH);

/**
 * A named Lua command: defined on a connection the first time it is called there (once), sent as
 * the script's hash, loaded again when Redis has forgotten it, and defined on every connection
 * it is called on.
 */
describe('Lua commands', () => {
  const prefix = uniquePrefix();
  const connections: Redis[] = [];
  const connection = () => {
    const redis = rawRedis();
    connections.push(redis);
    return redis;
  };
  afterAll(() => {
    for (const redis of connections) redis.disconnect();
  });

  it('is defined once per connection and runs with the keys and arguments given', async () => {
    const redis = connection();
    const list = `${prefix}:once`;
    expect(Object.hasOwn(redis, 'backstopTestPush')).toBe(false);
    expect(await push(redis, [list], ['a', 1])).toBe(2);
    const defined = (redis as unknown as Record<string, unknown>).backstopTestPush;
    expect(await push(redis, [list], ['b'])).toBe(3);
    // The same command object: the second call did not define it again.
    expect((redis as unknown as Record<string, unknown>).backstopTestPush).toBe(defined);
    expect(await redis.lrange(list, 0, -1)).toEqual(['a', '1', 'b']);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
  });

  it('still runs after Redis forgets its scripts (SCRIPT FLUSH), loading it again', async () => {
    // A server of its own: flushing the shared one would make every other test reload its scripts.
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-lua-'));
    const server = await startEmbeddedRedis({ dataDir, appendOnly: false });
    const redis = new Redis(server.url);
    try {
      expect(await push(redis, ['flushed'], ['before'])).toBe(1);
      await redis.script('FLUSH');
      expect(await redis.script('EXISTS', sha)).toEqual([0]);
      expect(await push(redis, ['flushed'], ['after'])).toBe(2);
      expect(await redis.script('EXISTS', sha)).toEqual([1]);
    } finally {
      redis.disconnect();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is defined on a second connection when first called there', async () => {
    const first = connection();
    const second = connection();
    const list = `${prefix}:second`;
    expect(await push(first, [list], ['one'])).toBe(1);
    expect(Object.hasOwn(second, 'backstopTestPush')).toBe(false);
    expect(await push(second, [list], ['two'])).toBe(2);
    expect(Object.hasOwn(second, 'backstopTestPush')).toBe(true);
  });

  it('refuses a name taken by another script, and a name that is not an identifier', () => {
    expect(luaCommand('backstopTestPush', PUSH)).toBeTypeOf('function');
    expect(() => luaCommand('backstopTestPush', 'return 0')).toThrow(/defined twice/);
    expect(() => luaCommand('backstop:push', PUSH)).toThrow(/not an identifier/);
  });

  it('adds counts to a batch of hashes in one call, with their expiry', async () => {
    const redis = connection();
    const [a, b] = [`${prefix}:counts:a`, `${prefix}:counts:b`];
    await redis.hset(a, 'x', 5);
    const batch = [
      [
        a,
        new Map([
          ['x', 2],
          ['y', 1],
        ]),
      ],
      [b, new Map([['z', 7]])],
    ] as const;
    await addHashCounts(redis, batch, 60_000);
    await addHashCounts(redis, [[b, new Map([['z', 1]])]]);
    expect(await redis.hgetall(a)).toEqual({ x: '7', y: '1' });
    expect(await redis.hgetall(b)).toEqual({ z: '8' });
    for (const key of [a, b]) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it("applied once: answers a call sent again with the first run's result, and keeps the receipt a while", async () => {
    const redis = connection();
    const list = `${prefix}:applied-once`;
    const pushOnce = luaCommand<number>('backstopTestPushOnce', PUSH, { once: true });
    expect(await pushOnce(redis, [list], ['a'])).toBe(1);
    expect(await pushOnce(redis, [list], ['b'])).toBe(2);
    // What ioredis sends again after a lost reply: the same call, receipt included.
    const [receipt] = await redis.keys(`${prefix}:receipt:*`);
    expect(receipt).toBeDefined();
    const again = (redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>)
      .backstopTestPushOnce!;
    const first = await redis.get(receipt!);
    expect(['1', '2']).toContain(first);
    expect(await again.call(redis, 2, list, receipt, 'c', 15_000)).toBe(Number(first));
    expect(await redis.lrange(list, 0, -1)).toEqual(['a', 'b']);
    const ttl = await redis.pttl(receipt!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15_000);
  });

  it('applied once: a call that writes nothing still answers when Redis is full', async () => {
    // A server of its own: a full shared one would fail every other test's writes.
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-lua-full-'));
    const server = await startEmbeddedRedis({ dataDir, appendOnly: false });
    const redis = new Redis(server.url);
    try {
      const lookOnce = luaCommand<number>('backstopTestLookOnce', 'return redis.call("EXISTS", KEYS[1])', {
        once: true,
      });
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      await redis.config('SET', 'maxmemory', '1');
      await expect(redis.set('any', 'value')).rejects.toThrow(/OOM/);
      // Its receipt is refused; its answer is not.
      expect(await lookOnce(redis, ['absent'])).toBe(0);
    } finally {
      redis.disconnect();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('groups a batch by hash tag on a Cluster, in one group on a single node', () => {
    expect(hashTag('{bt-1:health}:history:x')).toBe('bt-1:health');
    expect(hashTag('plain:key')).toBe('plain:key');
    expect(hashTag('{}:empty-tag')).toBe('{}:empty-tag');
    const keys = ['{p}:a', '{p:health}:b', '{p}:c'];
    expect(groupBySlot(connection(), keys, (key) => key)).toEqual([keys]);
    expect(groupBySlot(connection(), [], (key: string) => key)).toEqual([]);
  });
});
