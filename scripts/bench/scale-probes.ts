import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Backstop } from '../../src/backstop.js';
import { silentLogger } from '../../src/core/logger.js';

const CHECKS = 20;
const WINDOW_MS = 6_000;

/**
 * Redis commands per probe, over a window: every command the Redis processed (the side's idle
 * work included: snapshot checks, heartbeats, scheduler upkeep) over the probes the endpoint
 * answered. Raw: a BullMQ job scheduler per check and a Worker that fetches the URL. Backstop: URL
 * healthchecks and `worker({ fallbacks: false })`.
 */
export async function commandsPerProbe(
  side: 'raw' | 'backstop',
  url: string,
): Promise<{ perProbe: number; byCommand: Map<string, number> }> {
  let probes = 0;
  const server = createServer((_req, res) => {
    probes++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  const stats = new Redis(url);
  const stop = side === 'raw' ? await rawProbes(url, target) : await backstopProbes(url, target);
  try {
    await new Promise((r) => setTimeout(r, 1_500)); // every schedule has fired once
    const [c0, s0, p0] = [
      commands(await stats.info('stats')),
      commandStats(await stats.info('commandstats')),
      probes,
    ];
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const [c1, s1, p1] = [
      commands(await stats.info('stats')),
      commandStats(await stats.info('commandstats')),
      probes,
    ];
    const count = Math.max(1, p1 - p0);
    const byCommand = new Map<string, number>();
    for (const [name, calls] of s1) byCommand.set(name, (calls - (s0.get(name) ?? 0)) / count);
    return { perProbe: (c1 - c0) / count, byCommand };
  } finally {
    await stop();
    stats.disconnect();
    server.close();
  }
}

/** Calls per command name (`INFO commandstats`), so a side's cost per probe can be broken down. */
function commandStats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    out.set(name!, Number(calls));
  return out;
}

function commands(info: string): number {
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

async function rawProbes(url: string, target: string): Promise<() => Promise<void>> {
  const prefix = `{rawp-${randomUUID().slice(0, 8)}}`;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('probes', { connection, prefix });
  for (let i = 0; i < CHECKS; i++) {
    await queue.upsertJobScheduler(`check-${i}`, { every: 1_000 }, { name: 'probe', data: { url: target } });
  }
  const worker = new Worker(
    'probes',
    async (job) => {
      const res = await fetch(job.data.url as string, { signal: AbortSignal.timeout(900) });
      return { status: res.status, ok: res.ok };
    },
    {
      connection,
      prefix,
      concurrency: CHECKS,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    },
  );
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    for (let i = 0; i < CHECKS; i++) await queue.removeJobScheduler(`check-${i}`);
    await queue.close();
    connection.disconnect();
  };
}

async function backstopProbes(url: string, target: string): Promise<() => Promise<void>> {
  const backstop = new Backstop({
    redis: url,
    prefix: `{bp-${randomUUID().slice(0, 8)}}`,
    product: 'bench',
    env: 'prd',
    logger: silentLogger,
  });
  for (let i = 0; i < CHECKS; i++) {
    await backstop.health.create({
      name: `check ${i}`,
      tag: `check-${i}`,
      url: target,
      interval: 1_000,
      retries: 0,
      envs: [{ slug: 'prd', input: {} }],
    });
  }
  const worker = await backstop.worker({ fallbacks: false });
  return async () => {
    await worker.close();
    await backstop.close();
  };
}
