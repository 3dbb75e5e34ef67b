import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Backstop, type BackstopOptions } from '../../src/index.js';

export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test shares, with a hash tag as in production. */
export function uniquePrefix(): string {
  return `{bt-${randomUUID().slice(0, 8)}}`;
}

/**
 * A Backstop on the test Redis with its own prefix, quiet logs and product/env defaults. Circuits
 * are off unless a test turns them on: tests of other behaviour fail providers on purpose, and an
 * opened circuit would skip them in the next test.
 */
export function testBackstop(options: BackstopOptions = {}): Backstop {
  return new Backstop({
    redis: redisUrl(),
    prefix: uniquePrefix(),
    product: 'my-product',
    env: 'prd',
    logger: silentLogger,
    circuit: false,
    // Most tests name healthchecks and apps only as keys of provider state or in-process handlers;
    // the reference check has tests of its own (test/integration/reference-check.test.ts).
    checkReferences: false,
    ...options,
  });
}

export function rawRedis(): Redis {
  return new Redis(redisUrl());
}

/** Every value stored under `prefix`, as one string (strings, hashes, lists, sets, zsets, streams). */
export async function dumpPrefix(prefix: string): Promise<string> {
  const redis = rawRedis();
  // `{bt-1}` also names the key areas in slots of their own, `{bt-1:jobs:<queue>}` (store/keys.ts).
  const pattern = prefix.endsWith('}') ? `${prefix.slice(0, -1)}*` : `${prefix}*`;
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const parts: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : type === 'zset'
                  ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
                  : type === 'stream'
                    ? await redis.xrange(key, '-', '+')
                    : type;
      parts.push(`${key} ${JSON.stringify(value)}`);
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}
