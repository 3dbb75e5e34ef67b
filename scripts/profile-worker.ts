/**
 * Profiles one Backstop worker draining pre-queued jobs, the drain only (not the dispatch):
 * `tsx scripts/profile-worker.ts [code|stored] [ok|fails] [jobs]` writes `worker.cpuprofile`, to read
 * with `tsx scripts/profile-summary.ts worker.cpuprofile`. A raw BullMQ worker drains as many jobs
 * first, so the printed ratio says how far the profiled drain is from it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../src/redis/embedded-redis.js';
import {
  backstopSide,
  type ChainForm,
  jobKeyBase,
  prequeueBackstop,
  prequeueRaw,
  rawSide,
  rawWorker,
} from './bench/queue-sides.js';

/** `raw` profiles the raw BullMQ drain instead, to read the two profiles side by side. */
const form = (process.argv[2] ?? 'code') as ChainForm | 'raw';
const fails = process.argv[3] === 'fails';
const jobs = Number(process.argv[4] ?? 5000);

const dataDir = mkdtempSync(join(tmpdir(), 'backstop-profile-'));
const redis = await startEmbeddedRedis({ dataDir, appendOnly: false });
const stats = new Redis(redis.url);

const RAW_RESULT = {
  runId: 'x'.repeat(36),
  provider: 'a',
  result: { id: 'a-1' },
  attempts: [
    { provider: 'a', attempt: 1, startedAt: new Date().toISOString(), durationMs: 0, outcome: 'success' },
  ],
};

/** Runs `drain` under the V8 profiler when `on`, writing `worker.cpuprofile`. */
async function profiled<T>(on: boolean, drain: () => Promise<T>): Promise<T> {
  if (!on) return drain();
  const inspector = new Session();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
  try {
    return await drain();
  } finally {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync('worker.cpuprofile', JSON.stringify(profile));
    inspector.disconnect();
  }
}

/** Redis commands by name, from INFO commandstats. */
async function commandCounts(): Promise<Map<string, number>> {
  const info = await stats.info('commandstats');
  return new Map([...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** Commands per job a drain made, the stats connection's own polling left out. */
async function perJob(label: string, drain: () => Promise<number>): Promise<number> {
  const before = await commandCounts();
  const ms = await drain();
  const after = await commandCounts();
  const rows = [...after]
    .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / jobs] as const)
    .filter(([name, n]) => n >= 0.01 && name !== 'zcard' && name !== 'info');
  console.log(`${label} commands per job: ${rows.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')}`);
  return ms;
}

async function drained(prefix: string): Promise<number> {
  const started = performance.now();
  const base = await jobKeyBase(stats, prefix);
  while ((await stats.zcard(`${base}:completed`)) < jobs) await sleep(10);
  return performance.now() - started;
}

try {
  const raw = rawSide(redis.url, 'raw');
  await prequeueRaw(raw.queue, jobs);
  const rawMs = await profiled(form === 'raw', async () => {
    // RAW_RESULT=1: the raw processor returns a result the size of Backstop's, to tell its cost apart.
    const result = process.env.RAW_RESULT ? RAW_RESULT : undefined;
    const rw = rawWorker(redis.url, 'raw', 10, async () => result);
    const ms = await perJob('raw', () => drained('raw'));
    await rw.close();
    return ms;
  });
  await raw.close();

  const side = await backstopSide(redis.url, 'bs', form === 'raw' ? 'code' : form, { primaryFails: fails });
  await prequeueBackstop(side.backstop, jobs);
  const bsMs = await profiled(form !== 'raw', async () => {
    const worker = await side.backstop.worker({ concurrency: 10 });
    const ms = await perJob('backstop', () => drained('bs'));
    await worker.close();
    return ms;
  });
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
