import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { type BenchRedis, hzOf, removeKeys } from './bench-redis.js';

export type { BenchRedis } from './bench-redis.js';

/**
 * The servers of one bench run: the main one (`REDIS_URL`, else an embedded redis-server as
 * Backstop configures it: hz 100, AOF on), one with Redis's defaults (hz 10, no AOF), and one at
 * Redis's highest timer frequency (hz 500, AOF on) to show what a higher hz would buy.
 * Every measurement gets a prefix of its own; `close()` removes what the run wrote, in reverse order.
 */
export interface BenchEnv {
  main: BenchRedis;
  defaults: BenchRedis;
  fast: BenchRedis;
  /** A fresh key prefix (with a Redis Cluster hash tag) for one measurement. */
  prefix(): string;
  /** Removes a measurement's keys from the main Redis, so later ones start from a small keyspace. */
  drop(prefix: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const run = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(os.tmpdir(), 'backstop-bench-queue-'));
  const servers: EmbeddedRedis[] = [];
  let next = 0;
  const env: BenchEnv = {
    main: { label: '', url: '', hz: '?' },
    defaults: { label: '', url: '', hz: '?' },
    fast: { label: '', url: '', hz: '?' },
    prefix: () => `{bq-${run}-${++next}}`,
    drop: (prefix) => removeKeys(env.main.url, `${prefix}:*`),
    async close() {
      // Reverse order: our keys on a shared REDIS_URL, then the servers we started, then their files.
      if (process.env.REDIS_URL && env.main.url) await removeKeys(env.main.url, `{bq-${run}-*`);
      for (const server of servers.reverse()) await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    const external = process.env.REDIS_URL;
    if (external) {
      env.main = { label: 'REDIS_URL', url: external, hz: await hzOf(external) };
    } else {
      const server = await startEmbeddedRedis({ dataDir, appendOnly: true, hz: 100 });
      servers.push(server);
      env.main = { label: 'embedded (AOF on)', url: server.url, hz: await hzOf(server.url) };
    }
    const plain = await startEmbeddedRedis({ dataDir, appendOnly: false, hz: 10 });
    servers.push(plain);
    env.defaults = { label: 'default (AOF off)', url: plain.url, hz: await hzOf(plain.url) };
    const fast = await startEmbeddedRedis({ dataDir, appendOnly: true, hz: 500 });
    servers.push(fast);
    env.fast = { label: 'what-if (AOF on)', url: fast.url, hz: await hzOf(fast.url) };
  } catch (error) {
    await env.close();
    throw error;
  }
  return env;
}

let gc: (() => void) | undefined;

/** A full GC between measurements, so one side does not pay for the garbage of the one before. */
export function collectGarbage(): void {
  if (!gc) {
    // `gc` without restarting node with --expose-gc: the flag takes effect for new contexts.
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
