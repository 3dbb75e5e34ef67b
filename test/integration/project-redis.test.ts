import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Backstop } from '../../src/index.js';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { type ProjectRedis, useProjectRedis } from '../../src/redis/project-redis.js';

/** The project's one embedded redis-server, as several processes (here: several callers) see it. */
const dirs: string[] = [];
const servers: ProjectRedis[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-project-redis-'));
  dirs.push(dir);
  return dir;
}

async function use(dir: string, adoptOrphan = false): Promise<ProjectRedis> {
  const server = await useProjectRedis({ dataDir: dir, adoptOrphan });
  servers.push(server);
  return server;
}

function record(dir: string): { port: number; pid: number; starterPid: number } {
  return JSON.parse(readFileSync(join(dir, 'redis', 'server.json'), 'utf8'));
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

afterEach(async () => {
  for (const server of servers.splice(0).reverse()) await server.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the project redis-server', () => {
  it('is started once by callers racing for it, and found by the rest', async () => {
    const dir = dataDir();
    const all = await Promise.all([use(dir), use(dir), use(dir)]);
    expect(new Set(all.map((s) => s.url)).size).toBe(1);
    expect(all.filter((s) => s.owned)).toHaveLength(1);
    expect(record(dir)).toMatchObject({ port: all[0]!.port, starterPid: process.pid });
    expect(existsSync(join(dir, 'redis', 'start.lock'))).toBe(false);
  });

  it('keeps its data and its port across a restart, and its starter stops it', async () => {
    const dir = dataDir();
    const first = await use(dir);
    const client = new Redis(first.url);
    await client.set('kept', 'yes');
    client.disconnect();
    const other = await use(dir);
    await other.stop(); // not its starter: lets go only
    expect(await ping(first.url)).toBe(true);
    await first.stop();
    expect(await ping(first.url)).toBe(false);

    const second = await use(dir);
    expect(second.owned).toBe(true);
    expect(second.port).toBe(first.port);
    const again = new Redis(second.url);
    expect(await again.get('kept')).toBe('yes');
    again.disconnect();
  });

  it('ignores a record whose server is gone or is another folder’s, and breaks a dead holder’s lock', async () => {
    const dir = dataDir();
    const elsewhere = await startEmbeddedRedis({ dataDir: dataDir(), appendOnly: false });
    try {
      mkdirSync(join(dir, 'redis'), { recursive: true });
      // A live redis-server on the recorded port, but with another data folder: not ours.
      writeFileSync(
        join(dir, 'redis', 'server.json'),
        JSON.stringify({ port: elsewhere.port, pid: elsewhere.pid, starterPid: process.pid }),
      );
      writeFileSync(join(dir, 'redis', 'start.lock'), '2147483646'); // a pid no process has
      const server = await use(dir);
      expect(server.owned).toBe(true);
      expect(server.port).not.toBe(elsewhere.port);
    } finally {
      await elsewhere.stop();
    }
  });

  it('is adopted by a caller that asks, when its starter is gone', async () => {
    const dir = dataDir();
    const server = await use(dir);
    const orphaned = { ...record(dir), starterPid: 2147483646 };
    writeFileSync(join(dir, 'redis', 'server.json'), JSON.stringify(orphaned));
    const plain = await use(dir);
    expect(plain.owned).toBe(false);
    const adopter = await use(dir, true);
    expect(adopter.owned).toBe(true);
    expect(record(dir).starterPid).toBe(process.pid);
    await adopter.stop();
    expect(await ping(server.url)).toBe(false);
  });

  it('is what Backstops without REDIS_URL share: a definition made by one is fetched by the next', async () => {
    const dir = dataDir();
    const make = () =>
      new Backstop({
        product: 'p',
        env: 'prd',
        logger: silentLogger,
        processEnv: { BACKSTOP_DATA_DIR: dir },
      });
    const a = make();
    const b = make();
    try {
      await a.app.define({
        tag: 'app',
        envs: { prd: { baseUrl: 'http://127.0.0.1:9' } },
        actions: { go: { method: 'POST', path: '/go' } },
      });
      await a.fallback.create({
        name: 'x',
        tag: 'x',
        options: [{ type: 'action', app: 'app', event: 'go' }],
      });
      expect((await b.fallback.fetch('x')).tag).toBe('x');
    } finally {
      await b.close();
      await a.close();
    }
    const c = make();
    try {
      expect((await c.fallback.fetch('x')).tag).toBe('x'); // after every process stopped it
    } finally {
      await c.close();
    }
  });
});
