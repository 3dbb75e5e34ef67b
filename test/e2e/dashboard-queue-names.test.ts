import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQueueCounts } from '../../src/cli/queue-counts.js';
import type { Backstop } from '../../src/index.js';
import { option, PAY_ACTIONS } from '../helpers/health-kit.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { type DashboardServer, startDashboardServer } from './dashboard-server.js';

const KEY = 'queue-names-read-key';
const HOUR = 3_600_000;

interface BoardQueue {
  name: string;
  displayName?: string;
  description?: string;
  counts: Record<string, number>;
  jobSchedulerCount: number;
}

/**
 * A product may be called `healthchecks`, as the queue of healthcheck probes is: its job queue
 * and the probe queue are both shown, each under a name of its own, wherever queues are listed.
 */
describe('a product named like the healthcheck queue', () => {
  const prefix = uniquePrefix();
  let backstop: Backstop;
  let sim: ProviderSimulator;
  let server: DashboardServer;

  beforeAll(async () => {
    backstop = testBackstop({ prefix, product: 'healthchecks' });
    sim = await ProviderSimulator.start('stripe');
    await backstop.app.define({ tag: 'stripe', envs: { prd: { baseUrl: sim.url } }, actions: PAY_ACTIONS });
    await backstop.fallback.create({ name: 'Pay', tag: 'pay', options: [option('stripe')] });
    // No worker: two delayed jobs in the product's queue, the round's first job in the probes'.
    for (const _ of [1, 2]) await backstop.fallback.dispatch({ tag: 'pay', schedule: { delay: HOUR } });
    // A product named like the queue of earlier releases uses that very queue: one queue, not two.
    await backstop.fallback.create({
      product: 'fallback-jobs',
      name: 'Pay',
      tag: 'pay',
      options: [option('stripe')],
    });
    await backstop.fallback.dispatch({ product: 'fallback-jobs', tag: 'pay', schedule: { delay: HOUR } });
    await backstop.health.create({
      name: 'Stripe Health',
      tag: 'stripe-health',
      app: 'stripe',
      event: 'ping',
      interval: HOUR,
      envs: [{ slug: 'prd', input: {} }],
    });
    server = await startDashboardServer({
      backstop,
      prefix,
      keys: [{ key: KEY, scope: 'read', name: 'ops' }],
    });
  });

  afterAll(async () => {
    await server?.app.close();
    await backstop?.close();
    await sim?.close();
  });

  it('Bull Board shows the job queue as `healthchecks` and the probes as `healthchecks (probes)`', async () => {
    const res = await fetch(`${server.url}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(200);
    const queues = ((await res.json()) as { queues: BoardQueue[] }).queues;
    const shown = queues
      .map((q) => ({ name: q.name, displayName: q.displayName ?? q.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(shown).toEqual([
      { name: 'fallback-jobs', displayName: 'fallback-jobs' },
      { name: 'healthchecks', displayName: 'healthchecks' },
      { name: 'probes:healthchecks', displayName: 'healthchecks (probes)' },
    ]);
    const jobs = queues.find((q) => q.name === 'healthchecks')!;
    expect(jobs.counts.delayed).toBe(2);
    expect(jobs.jobSchedulerCount).toBe(0);
    expect(jobs.description).toMatch(/Dispatched fallback and feature runs/);
    const probes = queues.find((q) => q.name === 'probes:healthchecks')!;
    expect((probes.counts.waiting ?? 0) + (probes.counts.delayed ?? 0)).toBe(1); // the round's first job
    expect(probes.jobSchedulerCount).toBe(1);
    expect(probes.description).toMatch(/Healthcheck probes/);

    // Each queue's own page reads its own jobs.
    const page = await fetch(
      `${server.url}/admin/queues/api/queues?activeQueue=probes%3Ahealthchecks&status=latest`,
      {
        headers: { authorization: `Bearer ${KEY}` },
      },
    );
    const opened = ((await page.json()) as { queues: (BoardQueue & { jobs: { name: string }[] })[] }).queues;
    expect(opened.find((q) => q.name === 'probes:healthchecks')!.jobs.map((j) => j.name)).toEqual([
      expect.stringMatching(/^round\.3600000ms/),
    ]);
    const product = await fetch(
      `${server.url}/admin/queues/api/queues?activeQueue=healthchecks&status=delayed`,
      {
        headers: { authorization: `Bearer ${KEY}` },
      },
    );
    const productQueues = ((await product.json()) as { queues: (BoardQueue & { jobs: { id: string }[] })[] })
      .queues;
    const ids = productQueues.find((q) => q.name === 'healthchecks')!.jobs.map((j) => j.id);
    expect(ids).toEqual([expect.stringMatching(/^healthchecks\./), expect.stringMatching(/^healthchecks\./)]);
  });

  it('`backstop status` counts both, telling the probes apart', async () => {
    const counts = await readQueueCounts(redisUrl(), prefix);
    expect(counts.map(({ queue, kind, label }) => ({ queue, kind, label }))).toEqual([
      { queue: 'healthchecks', kind: 'jobs', label: 'healthchecks' },
      { queue: 'fallback-jobs', kind: 'jobs', label: 'fallback-jobs' },
      { queue: 'healthchecks', kind: 'probes', label: 'healthchecks (probes)' },
    ]);
    expect(counts.map((c) => c.counts.delayed + c.counts.waiting)).toEqual([2, 1, 1]);
  });
});
