import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { type BenchRedis, hzOf, removeKeys } from './bench-redis.js';

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
  const external = process.env.REDIS_URL;
  let server: EmbeddedRedis | undefined;
  let stats: Redis | undefined;
  let next = 0;
  const close = async () => {
    // Reverse order: our keys on a shared REDIS_URL, the stats connection, our server, its files.
    if (external) await removeKeys(external, `{bh-${run}-*`).catch(() => {});
    stats?.disconnect();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (!external) server = await startEmbeddedRedis({ dataDir, appendOnly: true, hz: 100 });
    const url = external ?? server!.url;
    const label = external ? 'REDIS_URL' : 'embedded (AOF on)';
    const connection = new Redis(url, { maxRetriesPerRequest: 1 });
    stats = connection;
    connection.on('error', () => {});
    return {
      redis: { label, url, hz: await hzOf(url) },
      stats: connection,
      prefix: () => `{bh-${run}-${++next}}`,
      drop: (prefix) => removeKeys(url, `${prefix}:*`),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
