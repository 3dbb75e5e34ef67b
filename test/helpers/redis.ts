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
