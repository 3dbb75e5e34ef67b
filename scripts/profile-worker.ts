/**
 * Profiles one worker draining pre-queued jobs: `node --cpu-prof --import tsx scripts/profile-worker.ts
 * [code|stored] [ok|fails] [jobs]`, then `tsx scripts/profile-summary.ts <file.cpuprofile>`. Raw BullMQ
 * drains the same number of jobs first, so the two profiles can be read side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { JOB_QUEUE } from '../src/queue/job-data.js';
import { startEmbeddedRedis } from '../src/redis/embedded-redis.js';
import {
  backstopSide,
  type ChainForm,
  INPUT,
  rawData,
  rawSide,
  rawWorker,
  TAG,
} from './bench/queue-sides.js';

const form = (process.argv[2] ?? 'code') as ChainForm;
const fails = process.argv[3] === 'fails';
const jobs = Number(process.argv[4] ?? 5000);

const dataDir = mkdtempSync(join(tmpdir(), 'backstop-profile-'));
const redis = await startEmbeddedRedis({ dataDir, appendOnly: false });
const stats = new Redis(redis.url);

async function drained(prefix: string): Promise<number> {
  const started = performance.now();
  while ((await stats.zcard(`${prefix}:${JOB_QUEUE}:completed`)) < jobs) await sleep(10);
  return performance.now() - started;
}

try {
  const raw = rawSide(redis.url, 'raw');
  for (let i = 0; i < jobs; i += 500)
    await raw.queue.addBulk(Array.from({ length: 500 }, () => ({ name: TAG, data: rawData() })));
  const rw = rawWorker(redis.url, 'raw', 10, async () => {});
  const rawMs = await drained('raw');
  await rw.close();
  await raw.close();

  const side = await backstopSide(redis.url, 'bs', form, { primaryFails: fails });
  for (let i = 0; i < jobs; i += 500)
    await side.backstop.fallback.dispatchBulk(
      Array.from({ length: 500 }, () => ({ tag: TAG, input: { ...INPUT } })),
    );
  const worker = await side.backstop.worker({ concurrency: 10 });
  const bsMs = await drained('bs');
  await worker.close();
  await side.close();
  console.log(
    `${form} ${fails ? 'fails over' : 'primary ok'}: raw ${((jobs * 1000) / rawMs).toFixed(0)} jobs/s, ` +
      `backstop ${((jobs * 1000) / bsMs).toFixed(0)} jobs/s, ratio ${(rawMs / bsMs).toFixed(2)}`,
  );
} finally {
  stats.disconnect();
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
