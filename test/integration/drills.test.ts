import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/index.js';
import { NO_WAIT } from '../fixtures/payment-chain.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { useSimulators } from '../helpers/simulators.js';
import { until } from '../helpers/until.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

/** Drills against a live chain of HTTP providers on loopback, seen by this process and a worker process. */
describe('failover drills', () => {
  const prefix = uniquePrefix();
  const backstop = testBackstop({ prefix });
  const sims = useSimulators({ stripe: { id: 'ch_1' }, paypal: { id: 'PAY-1' } });
  let worker: WorkerProcess | undefined;
  const run = () => backstop.fallback.runDetailed({ tag: 'pay', input: {} });
  const lines = (attempts: AttemptRecord[]) =>
    attempts.map((a) => `${a.provider} ${a.outcome}${a.drill ? ' drill' : ''}`);

  beforeAll(async () => {
    for (const [tag, sim] of Object.entries(sims))
      await backstop.app.define({
        tag,
        envs: { prd: { baseUrl: sim.url } },
        actions: { charge: { method: 'POST', path: '/charge' } },
      });
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [
        { type: 'action', app: 'stripe', event: 'charge', retries: 1, backoff: NO_WAIT },
        { type: 'action', app: 'paypal', event: 'charge' },
      ],
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await backstop.close();
  });

  it('fails a live chain over while it lasts, without calling the drilled provider, and ends by itself', async () => {
    const drill = await backstop.health.drill({
      provider: 'stripe',
      env: 'prd',
      mode: 'down',
      duration: 3_000,
    });
    expect(drill).toMatchObject({ product: 'my-product', env: 'prd', provider: 'stripe', mode: 'down' });
    expect((await backstop.health.drills()).map((d) => d.id)).toEqual([drill.id]);
    const during = await run();
    expect(during.provider).toBe('paypal');
    expect(lines(during.attempts)).toEqual([
      'stripe failure drill',
      'stripe failure drill',
      'paypal success',
    ]);
    expect(sims.stripe.calls).toHaveLength(0);

    // No one cancels it: it ends at its end time, and the list forgets it.
    await until(async () => (await backstop.health.drills()).length === 0);
    const after = await run();
    expect(after.provider).toBe('stripe');
    expect(lines(after.attempts)).toEqual(['stripe success']);
  });

  it('reaches a worker process, and a cancelled drill ends there too', async () => {
    worker = await startWorkerProcess(prefix);
    const drill = await backstop.health.drill({ provider: 'stripe', mode: 'down', duration: 120_000 });
    const during = await backstop.fallback.dispatch({ tag: 'pay', input: {} });
    const job = await backstop.jobs.wait(during.id, { timeout: 15_000 });
    expect(job.state).toBe('completed');
    expect(lines(job.attempts)).toEqual(['stripe failure drill', 'stripe failure drill', 'paypal success']);
    expect(sims.stripe.calls).toHaveLength(0);

    expect(await backstop.health.cancelDrill(drill.id)).toBe(true);
    expect(await backstop.health.cancelDrill(drill.id)).toBe(false);
    expect(await backstop.health.drills()).toEqual([]);
    // The worker is told at once; the job after the cancel is served by the primary.
    const after = await backstop.fallback.dispatch({ tag: 'pay', input: {} });
    const done = await backstop.jobs.wait(after.id, { timeout: 15_000 });
    expect(lines(done.attempts)).toEqual(['stripe success']);
  });

  it('refuses a bad drill naming the field', async () => {
    await expect(
      backstop.health.drill({ provider: 'stripe', mode: 'slow', duration: 1_000 }),
    ).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      message: expect.stringContaining('latencyMs'),
    });
  });
});
