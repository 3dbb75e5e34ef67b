import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_WAIT } from '../fixtures/payment-chain.js';
import { testBackstop } from '../helpers/redis.js';
import { useSimulators } from '../helpers/simulators.js';

/**
 * A provider on loopback that takes items in batches (`{ items: [{ n }] }`): it fails the items
 * whose n is a multiple of 7, answers 503 to the call holding n = 300, and answers without
 * per-item results to the call holding n = 600.
 */
async function bulkProvider() {
  const calls: number[][] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const ns = (JSON.parse(raw) as { items: { n: number }[] }).items.map((i) => i.n);
      calls.push(ns);
      res.setHeader('content-type', 'application/json');
      if (ns.includes(300)) return res.writeHead(503).end('{"error":"overloaded"}');
      if (ns.includes(600)) return res.writeHead(200).end('{"accepted":true}');
      const results = ns.map((n) =>
        n % 7 === 0 ? { error: { message: `n ${n} rejected` } } : { id: `bulk-${n}` },
      );
      res.writeHead(200).end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { calls, url, close: () => new Promise<void>((done) => server.close(() => done())) };
}

describe('batch runs: only the failed items fall through to the next tier', () => {
  const backstop = testBackstop();
  const sims = useSimulators({ single: { id: 'single-1' } });
  let bulk: Awaited<ReturnType<typeof bulkProvider>>;

  beforeAll(async () => {
    bulk = await bulkProvider();
    await backstop.app.define({
      tag: 'bulk',
      envs: { prd: { baseUrl: bulk.url } },
      actions: { send: { method: 'POST', path: '/batch' } },
    });
    await backstop.app.define({
      tag: 'single',
      envs: { prd: { baseUrl: sims.single.url } },
      actions: { send: { method: 'POST', path: '/one' } },
    });
    await backstop.fallback.create({
      name: 'Notify',
      tag: 'notify',
      input: { n: { type: 'number' } },
      options: [
        {
          type: 'action',
          app: 'bulk',
          event: 'send',
          batch: { maxSize: 100 },
          backoff: NO_WAIT,
          input: { n: '$Input{n}' },
          output: { id: '$Response{id}' },
        },
        {
          type: 'action',
          app: 'single',
          event: 'send',
          backoff: NO_WAIT,
          input: { n: '$Input{n}', reason: '$Fallback{error}' },
          output: { id: '$Response{id}' },
        },
      ],
    });
  });
  afterAll(async () => {
    await backstop.close();
    await bulk?.close();
  });

  it('sends 1,000 items in calls of 100; the second tier receives exactly the items the first did not serve', async () => {
    const items = Array.from({ length: 1_000 }, (_, n) => ({ n }));
    const outcome = await backstop.fallback.runBatch({ tag: 'notify', items });

    expect(bulk.calls).toHaveLength(10);
    expect(bulk.calls.every((c) => c.length === 100)).toBe(true);
    const unattributed = (n: number) => (n >= 300 && n < 400) || (n >= 600 && n < 700);
    const expected = items.map((i) => i.n).filter((n) => unattributed(n) || n % 7 === 0);
    const received = sims.single.calls.map((c) => (c.body as { n: number }).n).sort((a, b) => a - b);
    expect(received).toEqual(expected);

    // Every item in input order, with the provider that served it.
    expect(outcome.items.map((i) => i.index)).toEqual(items.map((i) => i.n));
    for (const item of outcome.items) {
      expect(item.ok).toBe(true);
      if (!item.ok) continue;
      expect(item.provider).toBe(expected.includes(item.index) ? 'single' : 'bulk');
      expect(item.output.id).toBe(item.provider === 'bulk' ? `bulk-${item.index}` : 'single-1');
    }
    // Each item handed on carries its own failure as $Fallback{error}.
    const reasonOf = (n: number) =>
      (sims.single.calls.find((c) => (c.body as { n: number }).n === n)!.body as { reason: string }).reason;
    expect(reasonOf(7)).toBe('n 7 rejected');
    expect(reasonOf(301)).toContain('HTTP 503');
    expect(reasonOf(601)).toContain('one result per item');
    expect(outcome.calls.filter((c) => c.batch).map((c) => c.served)).toHaveLength(10);
  });

  it('reports the items no provider served as errors, in place', async () => {
    sims.single.down(503);
    const outcome = await backstop.fallback.runBatch({
      tag: 'notify',
      items: [{ n: 1 }, { n: 14 }, { n: 2 }],
    });
    expect(outcome.items.map((i) => (i.ok ? i.provider : `error ${i.error.provider}`))).toEqual([
      'bulk',
      'error single',
      'bulk',
    ]);
  });

  it('dispatches a batch as a job whose result lists every item', async () => {
    sims.single.up();
    const worker = await backstop.worker({ healthchecks: false });
    const handle = await backstop.fallback.dispatchBatch({
      tag: 'notify',
      items: [{ n: 3 }, { n: 21 }, { n: 5 }],
    });
    const job = await backstop.jobs.wait(handle.id, { timeout: 15_000 });
    await worker.close();
    expect(job).toMatchObject({ state: 'completed', kind: 'batch' });
    const { items } = job.result as { items: { index: number; ok: boolean; provider?: string }[] };
    expect(items.map((i) => [i.index, i.provider])).toEqual([
      [0, 'bulk'],
      [1, 'single'],
      [2, 'bulk'],
    ]);
    await expect(backstop.fallback.dispatchBatch({ tag: 'notify', items: [] })).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      message: expect.stringContaining('items'),
    });
  });

  it('names a bad item by its index', async () => {
    await expect(
      backstop.fallback.runBatch({ tag: 'notify', items: [{ n: 1 }, { n: 'two' }] }),
    ).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      message: expect.stringContaining('items[1].n'),
    });
  });
});
