import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { buildApp } from '../../src/http/app.js';
import { Backstop } from '../../src/index.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { rejection } from '../helpers/http-chains.js';
import { call, KEYS } from '../http/api-kit.js';

/** A log that counts its lines by message. */
function countingLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (fields: object, msg = '') =>
      void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  const logger: Logger = {
    debug() {},
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

/** A Redis of its own for each test: these tests stop it and fill it. */
describe('Redis trouble: unreachable, full', () => {
  let server: EmbeddedRedis | undefined;
  let backstop: Backstop | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await backstop?.close().catch(() => {});
    await server?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    server = backstop = dataDir = undefined;
  });

  async function setUp(logger?: Logger): Promise<Backstop> {
    dataDir = mkdtempSync(join(tmpdir(), 'bt-trouble-'));
    server = await startEmbeddedRedis({ dataDir, appendOnly: false });
    backstop = new Backstop({
      redis: server.url,
      product: 'p',
      env: 'prd',
      prefix: '{trouble}',
      circuit: false,
      ...(logger ? { logger } : { logger: countingLogger().logger }),
    });
    await backstop.fallback.define({
      tag: 'pay',
      name: 'pay',
      handler: (ctx) => {
        ctx.primary('a').handler(async () => ({ ok: true }));
      },
    });
    return backstop;
  }

  it('while Redis is down, library calls reject with BACKSTOP_REDIS_UNAVAILABLE and the API answers 503', async () => {
    const b = await setUp();
    await b.fallback.dispatch({ tag: 'pay', input: {} }); // connected, the queue made
    const app = await buildApp({ backstop: b, keys: KEYS });
    await server!.kill();
    const calls: [string, () => Promise<unknown>][] = [
      ['fallback.dispatch', () => b.fallback.dispatch({ tag: 'pay', input: {} })],
      ['fallback.fetchAll', () => b.fallback.fetchAll()],
      ['app.fetchAll', () => b.app.fetchAll()],
      ['jobs.get', () => b.jobs.get('1')],
      ['schedules.list', () => b.schedules.list()],
    ];
    for (const [name, fn] of calls) {
      const error = (await rejection(fn())) as { code?: string };
      expect({ name, code: error.code }).toEqual({ name, code: ErrorCodes.REDIS_UNAVAILABLE });
    }
    const reply = await call(app, 'POST', '/v1/fallbacks/pay/dispatch', { input: {} });
    expect(reply.status).toBe(503);
    expect(reply.body.code).toBe(ErrorCodes.REDIS_UNAVAILABLE);
    await app.close();
  });

  it('at maxmemory, writes reject with BACKSTOP_REDIS_FULL (HTTP 503), and an idle worker neither spins nor floods its log', {
    timeout: 30_000,
  }, async () => {
    const { logger, lines } = countingLogger();
    const b = await setUp(logger);
    for (let i = 0; i < 5; i++) await b.fallback.dispatch({ tag: 'pay', input: {} });
    const admin = new Redis(server!.url);
    try {
      await fill(admin);
      const error = (await rejection(b.fallback.dispatch({ tag: 'pay', input: {} }))) as { code?: string };
      expect(error.code).toBe(ErrorCodes.REDIS_FULL);
      const app = await buildApp({ backstop: b, keys: KEYS });
      const reply = await call(app, 'POST', '/v1/fallbacks/pay/dispatch', { input: {} });
      expect(reply.status).toBe(503);
      expect(reply.body.code).toBe(ErrorCodes.REDIS_FULL);
      await app.close();

      const worker = await b.worker();
      const cpu = process.cpuUsage();
      // What an idle worker does at maxmemory over 3 s is the point: a measured window, not a wait.
      await new Promise((window) => setTimeout(window, 3_000));
      const used = process.cpuUsage(cpu);
      const errorLines = lines.filter((l) => l.level === 'error' || l.level === 'warn');
      console.log(
        `at maxmemory for 3 s: ${errorLines.length} log lines, ${Math.round((used.user + used.system) / 1000)} ms CPU`,
      );
      expect(errorLines.length).toBeLessThanOrEqual(6);
      expect(errorLines.some((l) => l.fields.code === ErrorCodes.REDIS_FULL)).toBe(true);

      await admin.config('SET', 'maxmemory', '0');
      await admin.flushdb();
      await worker.close();
    } finally {
      admin.disconnect();
    }
  });
});

/** Redis at maxmemory with noeviction: a limit below what it holds refuses every write. */
async function fill(admin: Redis): Promise<void> {
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
  await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
}
