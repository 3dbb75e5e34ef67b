import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { Keys } from '../../src/store/keys.js';
import { rejection } from '../helpers/http-chains.js';
import { redisUrl } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { chargeOption, defineApp, report, useFaultKit } from './fault-kit.js';

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { peakMiB: Math.round(kb('VmHWM') / 1024), rssMiB: Math.round(kb('VmRSS') / 1024) };
}

/** CPU time a process used so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

describe('fault suite: limits', () => {
  const kit = useFaultKit();

  it('a provider answering 200 with 50 MB: read to the limit, the attempt fails with its code, nothing large is kept', {
    timeout: 120_000,
  }, async () => {
    const { backstop, worker, prefix } = kit();
    const big = await streamingServer(50 * 1024 * 1024);
    try {
      await backstop.app.define({
        tag: 'huge',
        envs: { prd: { baseUrl: big.url } },
        actions: { charge: { method: 'POST', path: '/charge' } },
      });
      await backstop.fallback.create({
        name: 'huge',
        tag: 'huge',
        onAmbiguous: 'stop',
        options: [{ type: 'action', app: 'huge', event: 'charge', retries: 1, timeout: 30_000 }],
      });
      const w = await worker();
      const before = memoryOf(w.pid);
      const handle = await backstop.fallback.dispatch({ tag: 'huge', input: {} });
      const view = await backstop.jobs.wait(handle.id, { timeout: 60_000 });
      const after = memoryOf(w.pid);
      const redis = new Redis(redisUrl());
      const queue = `${new Keys(prefix).jobQueuePrefix(handle.product)}:${handle.product}`;
      const jobBytes = Number(await redis.memory('USAGE', `${queue}:${handle.id}`));
      redis.disconnect();
      report('50 MB answer', {
        state: view.state,
        code: view.error?.code,
        attemptCodes: view.attempts.map((a) => a.error?.code).join(','),
        bytesSent: big.bytesSent(),
        workerPeakMiB: `${before.peakMiB}→${after.peakMiB}`,
        jobInRedisBytes: jobBytes,
      });
      expect(view.error?.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
      expect(view.attempts.map((a) => a.error?.code)).toEqual([
        ErrorCodes.RESPONSE_TOO_LARGE,
        ErrorCodes.RESPONSE_TOO_LARGE,
      ]);
      expect(jobBytes).toBeLessThan(16 * 1024);
      expect(after.peakMiB - before.peakMiB).toBeLessThan(50);
    } finally {
      await big.close();
    }
  });

  it('a definition deleted before its job ran: the job fails, saying so; it is not lost', {
    timeout: 60_000,
  }, async () => {
    const { backstop, worker, provider } = kit();
    const p = await provider('deleted-provider');
    await defineApp(backstop, p);
    await backstop.fallback.create({ name: 'gone', tag: 'gone', options: [chargeOption(p)] });
    const handle = await backstop.fallback.dispatch({ tag: 'gone', input: {}, schedule: { delay: 1_000 } });
    await backstop.fallback.delete('gone');
    await worker();
    const view = await backstop.jobs.wait(handle.id, { timeout: 30_000 });
    report('definition deleted', { state: view.state, code: view.error?.code, providerCalls: p.calls });
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe(ErrorCodes.NOT_FOUND);
    expect(view.error?.message).toContain("fallback 'gone' not found");
    expect(p.calls).toBe(0);
  });

  describe('Redis at maxmemory', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bt-faults-full-'));
    let server: EmbeddedRedis | undefined;
    afterAll(async () => {
      await server?.kill();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('producers hear BACKSTOP_REDIS_FULL, a worker waits without spinning or flooding its log, and jobs finish once there is room', {
      timeout: 120_000,
    }, async () => {
      server = await startEmbeddedRedis({ dataDir, appendOnly: false });
      const { backstop, worker, provider } = kit(server.url);
      const p = await provider('full-provider');
      await defineApp(backstop, p);
      await backstop.fallback.create({ name: 'full', tag: 'full', options: [chargeOption(p)] });
      const w = await worker();
      const handles = [];
      for (let i = 0; i < 10; i++)
        handles.push(
          await backstop.fallback.dispatch({ tag: 'full', input: {}, schedule: { delay: 1_500 } }),
        );
      const admin = new Redis(server.url);
      try {
        const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
        await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
        const full = (await rejection(backstop.fallback.dispatch({ tag: 'full', input: {} }))) as {
          code: string;
        };
        const linesBefore = w.logs.length;
        const cpuBefore = cpuMsOf(w.pid);
        const from = Date.now();
        // The delayed jobs come due while Redis is full: the worker cannot take them.
        await until(
          () => w.logs.some((l) => l.code === ErrorCodes.REDIS_FULL),
          20_000,
          'the worker to report Redis full',
        );
        await until(() => Date.now() - from >= 5_000, 10_000, 'five seconds at maxmemory');
        const lines = w.logs.slice(linesBefore).filter((l) => Number(l.level) >= 40);
        const cpuMs = cpuMsOf(w.pid) - cpuBefore;
        await admin.config('SET', 'maxmemory', '0');
        const views = await Promise.all(handles.map((h) => backstop.jobs.wait(h.id, { timeout: 60_000 })));
        report('Redis at maxmemory', {
          producer: full.code,
          workerLogLinesIn5s: lines.length,
          workerCpuMsIn5s: cpuMs,
          jobsAfterRoom: views.filter((v) => v.state === 'completed').length,
        });
        expect(full.code).toBe(ErrorCodes.REDIS_FULL);
        expect(lines.length).toBeLessThanOrEqual(10);
        expect(views.every((v) => v.state === 'completed')).toBe(true);
      } finally {
        admin.disconnect();
      }
    });
  });
});

/** An HTTP server answering 200 with `bytes` of JSON, streamed in 64 KiB chunks. */
async function streamingServer(
  bytes: number,
): Promise<{ url: string; bytesSent: () => number; close: () => Promise<void> }> {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"pad":"');
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= part.length;
        sent += part.length;
        if (!res.write(part)) return void res.once('drain', pump);
      }
      res.end('"}');
    };
    res.on('close', () => {
      left = 0;
    });
    pump();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
