import { describe, expect, it } from 'vitest';
import { charges, key, option, pingHealthcheck, pings, until, useHealthKit } from '../helpers/health-kit.js';

/**
 * Active healthchecks across processes: a healthcheck worker process probes, a fallback worker
 * process and the test process run chains, everything on one real Redis and real HTTP providers.
 */
describe('healthchecks marking providers unhealthy and healthy again', () => {
  const kit = useHealthKit();
  const RETRIES = 3;

  it(`marks a provider unhealthy after exactly ${RETRIES} failed probes, skips it everywhere, puts it on trial after one good probe and back after two`, async () => {
    const { backstop, events } = kit();
    const stripe = await kit().provider('stripe');
    const paypal = await kit().provider('paypal');
    await backstop.health.create(pingHealthcheck('stripe', { interval: 200, retries: RETRIES }));
    await backstop.fallback.create({
      name: 'Smart Payment Fallback',
      tag: 'smart-payment',
      options: [option('stripe', { healthcheck: 'stripe-health' }), option('paypal')],
    });
    const prober = await kit().healthWorker();
    await kit().fallbackWorker();

    const probes = () => events.probes('stripe-health');
    await until(() => probes().some((e) => e.state.status === 'healthy'), 15_000, 'a first good probe');
    expect((await backstop.fallback.run({ tag: 'smart-payment' })).provider).toBe('stripe');

    // Down: every probe's effect is published; the state after each is exactly what it wrote.
    const downAt = events.all.length;
    const downTime = Date.now();
    stripe.down();
    await until(
      () => events.probes('stripe-health', downAt).some((e) => e.state.status === 'unhealthy'),
      15_000,
      'stripe marked unhealthy',
    );
    const failing = events.probes('stripe-health', downAt).filter((e) => e.state.lastAvailable === false);
    const flipped = failing.find((e) => e.state.status === 'unhealthy')!;
    expect(flipped.state.failures).toBe(RETRIES);
    const before = failing.filter((e) => e.state.failures < RETRIES);
    expect(before.map((e) => e.state.failures)).toEqual(Array.from({ length: RETRIES - 1 }, (_, i) => i + 1));
    expect(before.every((e) => e.state.status === 'healthy')).toBe(true);
    expect(pings(stripe).filter((c) => c.at >= downTime).length).toBeGreaterThanOrEqual(RETRIES);
    // The probes ran in the healthcheck worker process, not here.
    await until(
      () => prober.logs.some((l) => l.msg === 'probe' && l.healthcheck === 'stripe-health' && l.ok === false),
      15_000,
      'probe log lines in the healthcheck worker',
    );

    // Both a run here and a job in the fallback worker process skip stripe without calling it.
    await until(() => backstop.healthView.peek(key('stripe-health'))?.provider_status === 'unhealthy');
    const liveCalls = charges(stripe).length;
    const report = await backstop.fallback.runDetailed({ tag: 'smart-payment' });
    expect(report.provider).toBe('paypal');
    expect(report.attempts[0]).toMatchObject({
      provider: 'stripe',
      outcome: 'skipped',
      skipped: 'unhealthy',
    });
    const job = await backstop.fallback.dispatch({ tag: 'smart-payment' });
    const view = await backstop.jobs.wait(job.id, { timeout: 15_000 });
    expect(view.state).toBe('completed');
    expect(view.provider).toBe('paypal');
    expect(view.attempts[0]).toMatchObject({ provider: 'stripe', outcome: 'skipped', skipped: 'unhealthy' });
    expect(charges(stripe).length).toBe(liveCalls);

    // Up again: the first good probe puts it on trial (probes' verdict still unhealthy), the second
    // marks it healthy (hysteresis: two passes by default).
    const upAt = events.all.length;
    stripe.up();
    await until(
      () => events.probes('stripe-health', upAt).filter((e) => e.state.lastAvailable === true).length >= 2,
      15_000,
      'two good probes after recovery',
    );
    const [firstGood, secondGood] = events
      .probes('stripe-health', upAt)
      .filter((e) => e.state.lastAvailable === true);
    expect(firstGood!.state).toMatchObject({ status: 'unhealthy', failures: 0, passes: 1 });
    expect(firstGood!.provider.ejection).toMatchObject({ reason: 'probe', passes: 1 });
    expect(secondGood!.state).toMatchObject({ status: 'healthy', passes: 2 });
    expect(secondGood!.provider.ejection).toBeNull();

    await until(() => backstop.healthView.peek(key('stripe-health'))?.provider_status === 'healthy');
    expect((await backstop.fallback.run({ tag: 'smart-payment' })).provider).toBe('stripe');
    const again = await backstop.fallback.dispatch({ tag: 'smart-payment' });
    const againView = await backstop.jobs.wait(again.id, { timeout: 15_000 });
    expect(againView.provider).toBe('stripe');
    expect(againView.attempts.map((a) => a.outcome)).toEqual(['success']);
    expect(charges(stripe).length).toBe(liveCalls + 2);
    expect(charges(paypal).length).toBe(2);
  });

  it('shows what probes found in fallback.fetch / fetchAll and latencies in health.status', async () => {
    const { backstop, events } = kit();
    const stripe = await kit().provider('stripe');
    await kit().provider('paypal');
    // Every call answers after 60 ms: probe latencies have a lower bound.
    stripe.always({ kind: 'stall', ms: 60 });
    await backstop.health.create(pingHealthcheck('stripe', { interval: 400, retries: 1 }));
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('stripe', { healthcheck: 'stripe-health' }), option('paypal')],
    });
    const started = Date.now();
    await kit().healthWorker();
    await until(() => events.probes('stripe-health').length >= 2, 15_000, 'two probes');
    const firstProbe = pings(stripe)[0]!;

    const status = await backstop.health.status('stripe-health', 'prd');
    expect(status).toMatchObject({
      product: 'my-product',
      env: 'prd',
      healthcheck: 'stripe-health',
      provider_status: 'healthy',
      last_available: true,
      consecutive_failures: 0,
      circuit: { state: 'closed', failures: 0, open_until: null },
    });
    expect(status.last_latency_ms).toBeGreaterThanOrEqual(60);
    expect(status.avg_latency_ms).toBeGreaterThanOrEqual(60);
    expect(Date.parse(status.last_checked!)).toBeGreaterThanOrEqual(firstProbe.at);

    await until(() => backstop.healthView.peek(key('stripe-health'))?.provider_status === 'healthy');
    for (const fetched of [
      await backstop.fallback.fetch('pay'),
      await backstop.fallback.fetch('my-product', 'pay'),
      (await backstop.fallback.fetchAll()).find((f) => f.tag === 'pay')!,
    ]) {
      const [tracked, untracked] = fetched.options;
      expect(tracked).toMatchObject({ app: 'stripe', provider_status: 'healthy', last_available: true });
      expect(Date.parse(tracked!.last_checked!)).toBeGreaterThanOrEqual(Math.max(started, firstProbe.at));
      expect(Date.parse(tracked!.last_checked!)).toBeLessThanOrEqual(Date.now());
      expect(untracked).toMatchObject({
        app: 'paypal',
        provider_status: 'unknown',
        last_available: null,
        last_checked: null,
      });
    }

    const healthyChecked = Date.parse((await backstop.fallback.fetch('pay')).options[0]!.last_checked!);
    stripe.down();
    await until(
      async () => (await backstop.fallback.fetch('pay')).options[0]!.provider_status === 'unhealthy',
      15_000,
      'fetch to show stripe unhealthy',
    );
    const down = (await backstop.fallback.fetch('pay')).options[0]!;
    expect(down.last_available).toBe(false);
    expect(Date.parse(down.last_checked!)).toBeGreaterThan(healthyChecked);
    const downStatus = await backstop.health.status('stripe-health');
    expect(downStatus.provider_status).toBe('unhealthy');
    expect(downStatus.consecutive_failures).toBeGreaterThanOrEqual(1);
    expect(downStatus.last_latency_ms).toBeGreaterThanOrEqual(0);
  });
});
