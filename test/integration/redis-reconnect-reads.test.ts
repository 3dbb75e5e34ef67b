import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exists, hasFlag } from '@ioredis/commands';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Backstop } from '../../src/index.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { BULLMQ_READ_SCRIPTS } from '../../src/redis/reads-across-reconnect.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { rejection } from '../helpers/http-chains.js';
import { until } from '../helpers/until.js';

/**
 * The store connection fails fast while Redis is away, except for reads: one made while the
 * connection reconnects waits for it (a moment, bounded) and is sent then; a write made then is
 * refused at once. A Redis of its own for each test: these tests drop its connections and kill it.
 */
describe('the store connection across a reconnect', () => {
  let server: EmbeddedRedis;
  let backstop: Backstop;
  let dataDir: string;
  let jobId: string;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bt-reconnect-'));
    server = await startEmbeddedRedis({ dataDir, appendOnly: false });
    backstop = new Backstop({
      redis: server.url,
      product: 'p',
      env: 'prd',
      prefix: '{reconnect}',
      circuit: false,
      logger: silentLogger,
    });
    await backstop.fallback.define({
      tag: 'pay',
      name: 'pay',
      handler: (ctx) => {
        ctx.primary('a').handler(async () => ({ ok: true }));
      },
    });
    // No worker runs here: a job due in an hour stays delayed, something to read.
    ({ id: jobId } = await backstop.fallback.dispatch({
      tag: 'pay',
      input: {},
      schedule: { delay: 3_600_000 },
    }));
  });
  afterEach(async () => {
    await backstop.close().catch(() => {});
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a read made while the connection reconnects is answered once it is back; a write made then is refused at once', async () => {
    const redis = await backstop.redis();
    await dropConnection(redis, server.url);
    expect(redis.status).not.toBe('ready');

    const read = settledLater(backstop.jobs.get(jobId));
    const refused = (await rejection(backstop.fallback.dispatch({ tag: 'pay', input: {} }))) as {
      code?: string;
    };
    expect(refused.code).toBe(ErrorCodes.REDIS_UNAVAILABLE);
    expect(read.settled()).toBe(false); // still waiting for the connection, not refused

    expect(await read.promise).toMatchObject({ id: jobId, tag: 'pay', state: 'delayed' });
    expect(await backstop.fallback.fetch('pay')).toMatchObject({ tag: 'pay' });
  });

  it('reads of definitions, provider state and worker heartbeats wait for a reconnect too', async () => {
    const redis = await backstop.redis();
    await dropConnection(redis, server.url);
    const reads = await Promise.all([
      backstop.fallback.fetch('pay'),
      backstop.fallback.fetchAll(),
      backstop.jobs.list({ state: 'delayed' }),
      backstop.jobs.workers(),
    ]);
    expect(reads[0]).toMatchObject({ tag: 'pay' });
    expect(reads[2].map((job) => job.id)).toEqual([jobId]);
    expect(reads[3]).toEqual([]);
  });

  it('with Redis down, a write is refused before a read made with it, which fails with BACKSTOP_REDIS_UNAVAILABLE once its wait is over', async () => {
    const redis = await backstop.redis();
    await server.kill();
    await until(() => redis.status !== 'ready', 10_000, 'the connection to see Redis gone');

    const read = settledLater(rejection(backstop.jobs.get(jobId)));
    const refused = (await rejection(backstop.fallback.dispatch({ tag: 'pay', input: {} }))) as {
      code?: string;
    };
    expect(refused.code).toBe(ErrorCodes.REDIS_UNAVAILABLE);
    expect(read.settled()).toBe(false);

    expect(((await read.promise) as { code?: string }).code).toBe(ErrorCodes.REDIS_UNAVAILABLE);
  });

  it("the BullMQ scripts let through as reads call only Redis's read commands", async () => {
    const defined = (await backstop.redis()).scriptsSet as Record<string, { lua: string }>;
    for (const name of BULLMQ_READ_SCRIPTS) {
      const script = Object.entries(defined).find(([key]) => key.split(':')[0] === name)?.[1];
      expect(script, `BullMQ defines ${name}`).toBeDefined();
      const calls = [...script!.lua.matchAll(/(?:rcall|redis\.p?call)\(\s*(["']?)(\w+)\1/g)];
      const writes = calls
        .map(([, quote, command]) => (quote ? command!.toLowerCase() : `(a command named by ${command})`))
        .filter((command) => !(exists(command) && hasFlag(command, 'readonly')))
        // The clean-up of a wait-list marker BullMQ stopped writing in v5 (see BULLMQ_READ_SCRIPTS).
        .filter((command) => !(command === 'rpop' && (name === 'getRanges' || name === 'getCounts')));
      expect({ name, writes: [...new Set(writes)] }).toEqual({ name, writes: [] });
    }
  });
});

/** Makes Redis close the store's connection (CLIENT KILL), resolved when ioredis starts to reconnect. */
async function dropConnection(redis: RedisClient, url: string): Promise<void> {
  const id = await redis.client('ID');
  const reconnecting = new Promise((done) => redis.once('reconnecting', done));
  const admin = new Redis(url);
  try {
    await admin.client('KILL', 'ID', String(id));
  } finally {
    admin.disconnect();
  }
  await reconnecting;
}

/** A promise and whether it has settled yet. */
function settledLater<T>(promise: Promise<T>): { promise: Promise<T>; settled(): boolean } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { promise: tracked, settled: () => settled };
}
