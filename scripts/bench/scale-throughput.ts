import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { clientFor } from '../../src/redis/connection.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { SCALE_PRODUCTS, scaleBackstop } from './scale-products.js';

export type ScaleSide = 'raw' | 'backstop';

const ROOT = resolve(import.meta.dirname, '../..');

/** Starts `processes` worker processes, queues `jobs` over the three product queues, and times the drain (jobs/s). */
export async function drainSide(
  side: ScaleSide,
  url: string,
  processes: number,
  jobs: number,
  prefix = `bench-${randomUUID().slice(0, 8)}`,
): Promise<number> {
  const children = await Promise.all(Array.from({ length: processes }, () => startWorker(side, url, prefix)));
  try {
    const producer = side === 'raw' ? rawProducer(url, prefix) : await backstopProducer(url, prefix);
    try {
      const started = performance.now();
      await producer.add(jobs);
      while ((await producer.completed()) < jobs) await new Promise((r) => setTimeout(r, 20));
      return jobs / ((performance.now() - started) / 1000);
    } finally {
      await producer.close();
    }
  } finally {
    await Promise.all(children.map(stopWorker));
  }
}

interface Producer {
  add(jobs: number): Promise<void>;
  completed(): Promise<number>;
  close(): Promise<void>;
}

function rawProducer(url: string, prefix: string): Producer {
  const connection: RedisClient = clientFor(parseRedisUrl(url), { maxRetriesPerRequest: 1 });
  const queues = SCALE_PRODUCTS.map((p) => new Queue(p, { connection, prefix: `{raw-${prefix}:${p}}` }));
  return {
    async add(jobs) {
      for (const [i, queue] of queues.entries()) {
        const share = Math.floor(jobs / queues.length) + (i < jobs % queues.length ? 1 : 0);
        await queue.addBulk(Array.from({ length: share }, () => ({ name: 'send', data: { amount: 1 } })));
      }
    },
    async completed() {
      const counts = await Promise.all(queues.map((q) => q.getCompletedCount()));
      return counts.reduce((a, b) => a + b, 0);
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}

async function backstopProducer(url: string, prefix: string): Promise<Producer> {
  const backstop = await scaleBackstop(url, prefix);
  return {
    async add(jobs) {
      const list = Array.from({ length: jobs }, (_, i) => ({
        product: SCALE_PRODUCTS[i % SCALE_PRODUCTS.length]!,
        tag: 'send',
        env: 'prd',
        input: { amount: 1 },
      }));
      for (let i = 0; i < list.length; i += 500) await backstop.fallback.dispatchBulk(list.slice(i, i + 500));
    },
    async completed() {
      const counts = await Promise.all((await backstop.jobQueues()).map((q) => q.getCompletedCount()));
      return counts.reduce((a, b) => a + b, 0);
    },
    close: () => backstop.close(),
  };
}

function startWorker(side: ScaleSide, url: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench/scale-worker.ts', side, url, prefix, '10'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) done(child);
    });
    child.once('exit', (code) => fail(new Error(`${side} worker exited with ${code} before it was ready`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}
