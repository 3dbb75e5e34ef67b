import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import type { BenchRedis } from './queue-env.js';

/**
 * The one Redis of a bench:http run: `REDIS_URL`, else an embedded redis-server in a temp dir as
 * Backstop configures it (hz 100, AOF on). Every cell gets a key prefix of its own; `close()`
 * removes what the run wrote, then the server it started and its files.
 */
export interface HttpBenchEnv {
  redis: BenchRedis;
  /** A connection for INFO (CPU) and counts, not used by either side. */
  stats: Redis;
  /** A fresh key prefix (with a Redis Cluster hash tag) for one cell. */
  prefix(): string;
  /** Removes a cell's keys, so the next cell starts from a small keyspace. */
  drop(prefix: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpBenchEnv(): Promise<HttpBenchEnv> {
  const run = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(os.tmpdir(), 'backstop-bench-http-'));
  let server: EmbeddedRedis | undefined;
  let stats: Redis | undefined;
  let next = 0;
  const close = async () => {
    // Reverse order: our keys on a shared REDIS_URL, the stats connection, our server, its files.
    if (stats && process.env.REDIS_URL) await removeKeys(stats, `{bh-${run}-*`).catch(() => {});
    stats?.disconnect();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const external = process.env.REDIS_URL;
    let label = 'REDIS_URL';
    let url = external ?? '';
    if (!external) {
      server = await startEmbeddedRedis({ dataDir, appendOnly: true, hz: 100 });
      label = 'embedded (AOF on)';
      url = server.url;
    }
    stats = new Redis(url, { maxRetriesPerRequest: 1 });
    stats.on('error', () => {});
    const connection = stats;
    return {
      redis: { label, url, hz: await hzOf(connection) },
      stats: connection,
      prefix: () => `{bh-${run}-${++next}}`,
      drop: (prefix) => removeKeys(connection, `${prefix}:*`),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function hzOf(client: Redis): Promise<string> {
  try {
    const reply = (await client.config('GET', 'hz')) as string[];
    return reply[1] ?? '?';
  } catch {
    return '?'; // managed Redis often refuses CONFIG
  }
}

/** SCAN + UNLINK, bounded: only keys under this run's prefixes. */
async function removeKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  for (let rounds = 0; rounds < 100_000; rounds++) {
    const [nextCursor, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = nextCursor;
    if (cursor === '0') break;
  }
}
