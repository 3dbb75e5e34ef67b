/**
 * Scale-out figures, Backstop beside raw BullMQ 6 in the same run (`npm run bench:scale`):
 * 1. jobs/s with 1, 2 and 4 worker processes on one Redis, and the 1 → 4 ratio of each side;
 * 2. Redis commands per healthcheck probe, against a raw BullMQ job scheduler doing the same probe;
 * 3. on a local 3-master Redis Cluster, each master's share of the commands, three products' jobs;
 * 4. Redis memory per delayed job, against raw BullMQ's `Queue.add` of the same input and delay;
 * 5. idle Redis commands per process following 200 provider states (scripts/bench/scale-idle.ts).
 * BENCH_SCALE_PARTS picks parts by name (`throughput,probes,cluster,memory,idle`; all by default).
 * Prints tables and whether each aim is met; asserts nothing. Every Redis here is started by the
 * script and stopped at the end.
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../src/redis/embedded-redis.js';
import { Keys } from '../src/store/keys.js';
import { startLocalCluster } from '../test/helpers/redis-topologies.js';
import { printIdle } from './bench/scale-idle.js';
import { bytesPerDelayedJob, type MemorySide } from './bench/scale-memory.js';
import { commandsPerProbe } from './bench/scale-probes.js';
import { SCALE_PRODUCTS } from './bench/scale-products.js';
import { drainSide, type ScaleSide } from './bench/scale-throughput.js';

const JOBS = Number(process.env.BENCH_SCALE_JOBS ?? 3_000);
const MEMORY_JOBS = Number(process.env.BENCH_SCALE_MEMORY_JOBS ?? 2_000);
const PROCESSES = [1, 2, 4];
const PARTS = ['throughput', 'probes', 'cluster', 'memory', 'idle'] as const;
const chosen = (process.env.BENCH_SCALE_PARTS ?? PARTS.join(',')).split(',').map((p) => p.trim());
for (const part of chosen) {
  if (!(PARTS as readonly string[]).includes(part))
    throw new Error(`BENCH_SCALE_PARTS: unknown part '${part}' (expected ${PARTS.join(', ')})`);
}
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

async function throughput(url: string): Promise<void> {
  console.log(`\n1. Worker scale-out: ${JOBS} jobs over 3 product queues, concurrency 10 per process`);
  const rates: Record<ScaleSide, number[]> = { raw: [], backstop: [] };
  for (const processes of PROCESSES) {
    for (const side of ['raw', 'backstop'] as ScaleSide[]) {
      const rate = await drainSide(side, url, processes, JOBS);
      rates[side].push(rate);
      console.log(`  ${side.padEnd(8)} ${processes} process(es): ${rate.toFixed(0).padStart(6)} jobs/s`);
    }
  }
  const ratio = (side: ScaleSide) => (rates[side].at(-1) ?? 0) / (rates[side][0] ?? 1);
  console.log(
    `  1 → 4 processes: raw ${ratio('raw').toFixed(2)}x, backstop ${ratio('backstop').toFixed(2)}x`,
  );
  console.log(`  aim, scale-out ratio at least raw BullMQ's: ${verdict(ratio('backstop') >= ratio('raw'))}`);
  console.log(
    `  backstop at 4 processes: ${((rates.backstop.at(-1) ?? 0) / (rates.raw.at(-1) ?? 1)).toFixed(2)}x raw`,
  );
}

async function probes(url: string): Promise<void> {
  console.log('\n2. Redis commands per healthcheck probe (20 URL probes every second, 6 s)');
  const raw = await commandsPerProbe('raw', url);
  const ours = await commandsPerProbe('backstop', url);
  console.log(`  raw job scheduler: ${raw.perProbe.toFixed(1)} commands/probe`);
  console.log(
    `  backstop:          ${ours.perProbe.toFixed(1)} commands/probe (${(ours.perProbe / raw.perProbe).toFixed(2)}x raw)`,
  );
  const names = [...new Set([...raw.byCommand.keys(), ...ours.byCommand.keys()])]
    .map((name) => ({ name, raw: raw.byCommand.get(name) ?? 0, ours: ours.byCommand.get(name) ?? 0 }))
    .filter((c) => c.raw >= 0.05 || c.ours >= 0.05)
    .sort((a, b) => b.ours + b.raw - (a.ours + a.raw));
  console.log(
    `  per probe by command (raw / backstop): ${names.map((c) => `${c.name} ${c.raw.toFixed(1)}/${c.ours.toFixed(1)}`).join(', ')}`,
  );
  console.log(`  aim, fewer commands per probe than raw: ${verdict(ours.perProbe < raw.perProbe)}`);
}

async function clusterShare(): Promise<void> {
  console.log(
    '\n3. Commands per master on a local 3-master Redis Cluster (backstop, 2 worker processes, one product queue per master)',
  );
  const cluster = await startLocalCluster();
  try {
    const nodes = cluster.ports.map((port) => new Redis({ port, host: '127.0.0.1' }));
    const read = () => Promise.all(nodes.map(async (n) => commandsOf(await n.info('stats'))));
    const prefix = await spreadPrefix(nodes[0]!, cluster.ports);
    const before = await read();
    await drainSide('backstop', cluster.url, 2, Math.min(JOBS, 1_500), prefix);
    const after = await read();
    const deltas = after.map((n, i) => n - (before[i] ?? 0));
    const total = deltas.reduce((a, b) => a + b, 0);
    for (const [i, d] of deltas.entries()) {
      console.log(
        `  master ${cluster.ports[i]}: ${((100 * d) / total).toFixed(1).padStart(5)} % of ${total} commands`,
      );
    }
    const top = Math.max(...deltas) / total;
    console.log(`  aim, no master above 50 %: ${verdict(top <= 0.5)} (highest ${(100 * top).toFixed(1)} %)`);
    for (const n of nodes) n.disconnect();
  } finally {
    await cluster.stop();
  }
}

/**
 * A key prefix whose three product queues hash to three different masters: the deployment the aim
 * describes (an operator names queues, or moves slots, so that each master serves one product).
 */
async function spreadPrefix(node: Redis, ports: number[]): Promise<string> {
  const slots = (await node.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const masterOf = (slot: number) => slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
  for (;;) {
    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    const keys = new Keys(`{${prefix}}`);
    const owners = await Promise.all(
      SCALE_PRODUCTS.map(async (p) =>
        masterOf(Number(await node.cluster('KEYSLOT', `${keys.jobQueuePrefix(p)}:x`))),
      ),
    );
    if (new Set(owners).size === ports.length) return prefix;
  }
}

async function memory(url: string): Promise<void> {
  console.log(
    `\n4. Redis memory per delayed job: ${MEMORY_JOBS} delayed payment jobs (amount, currency, customer id, idempotency key)`,
  );
  const raw = await bytesPerDelayedJob('raw', url, MEMORY_JOBS);
  const rawIds = await bytesPerDelayedJob('raw-ids', url, MEMORY_JOBS);
  const ours = await bytesPerDelayedJob('backstop', url, MEMORY_JOBS);
  const line = (name: string, side: MemorySide) =>
    console.log(
      `  ${name.padEnd(8)} ${side.bytesPerJob.toFixed(0).padStart(5)} bytes/job (used_memory), job hash ${side.hashBytes} bytes (MEMORY USAGE)`,
    );
  line('raw', raw);
  line('backstop', ours);
  const ratio = ours.bytesPerJob / raw.bytesPerJob;
  console.log(`  backstop / raw: ${ratio.toFixed(2)}x`);
  // Context for the ratio: a random id (the idempotency root, naming its queue) is kept 4 times.
  console.log(
    `  raw with ids of Backstop's form (<queue>.<21 characters>): ${rawIds.bytesPerJob.toFixed(0)} bytes/job, backstop ${(ours.bytesPerJob / rawIds.bytesPerJob).toFixed(2)}x that`,
  );
  console.log(`  aim, at most raw BullMQ's bytes per delayed job (1.0x): ${verdict(ratio <= 1)}`);
  for (const [name, side] of [
    ['raw', raw],
    ['backstop', ours],
  ] as const) {
    console.log(`  a ${name} job's hash:`);
    for (const [field, value] of Object.entries(side.hash)) console.log(`    ${field}: ${value}`);
  }
}

function commandsOf(info: string): number {
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

const dir = mkdtempSync(join(tmpdir(), 'backstop-bench-scale-'));
const redis = await startEmbeddedRedis({ dataDir: dir, appendOnly: false });
try {
  console.log(`bench:scale on redis-server ${redis.url} (hz 100), ${new Date().toISOString()}`);
  if (chosen.includes('throughput')) await throughput(redis.url);
  if (chosen.includes('probes')) await probes(redis.url);
  if (chosen.includes('cluster')) await clusterShare();
  if (chosen.includes('memory')) await memory(redis.url);
  if (chosen.includes('idle')) await printIdle(redis.url, '5. ');
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
