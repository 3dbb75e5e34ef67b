import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Backstop, ErrorCodes, startEmbeddedRedis } from '../../src/index.js';
import { findRedisServer } from '../../src/redis/find-redis-server.js';

describe('embedded redis-server', () => {
  it('starts on a free loopback port with AOF, hz 100 and noeviction, and stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-embedded-'));
    const server = await startEmbeddedRedis({ dataDir });
    const client = new Redis(server.url);
    try {
      const config = Object.fromEntries(
        (
          await Promise.all(
            ['appendonly', 'hz', 'maxmemory-policy', 'bind', 'dir'].map((k) => client.config('GET', k)),
          )
        ).map((pair) => pair as [string, string]),
      );
      expect(config).toMatchObject({
        appendonly: 'yes',
        hz: '100',
        'maxmemory-policy': 'noeviction',
        bind: '127.0.0.1',
      });
      expect(config.dir).toBe(server.dataDir);
      expect(server.dataDir.startsWith(dataDir)).toBe(true);
    } finally {
      client.disconnect();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    const probe = new Redis(server.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });

  it('is what a Backstop uses when no Redis is configured, and close() stops it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-embedded-'));
    const backstop = new Backstop({
      product: 'p',
      env: 'prd',
      logger: silentLogger,
      processEnv: { BACKSTOP_DATA_DIR: dataDir },
    });
    backstop.handlers.register('app', 'go', async () => ({ ok: true }));
    try {
      await backstop.fallback.create({
        name: 'x',
        tag: 'x',
        options: [{ type: 'action', app: 'app', event: 'go' }],
      });
      expect(await backstop.fallback.run({ tag: 'x' })).toEqual({ provider: 'app', ok: true });
    } finally {
      await backstop.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await expect(backstop.fallback.fetch('x')).rejects.toThrow(/closed/);
  });

  it('explains what to do when redis-server cannot be found', async () => {
    expect(findRedisServer({ PATH: '/nonexistent' }, [])).toBeUndefined();
    await expect(startEmbeddedRedis({ binary: '/nonexistent/redis-server' })).rejects.toMatchObject({
      code: ErrorCodes.REDIS_UNAVAILABLE,
      message: expect.stringMatching(/apt-get install -y redis-server.*REDIS_URL=redis:/),
    });
  });
});
