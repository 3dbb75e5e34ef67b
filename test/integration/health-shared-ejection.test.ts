import { describe, expect, it } from 'vitest';
import type { HealthSettings } from '../../src/core/health/health-policy-schema.js';
import { charges, key, option, until, useHealthKit } from '../helpers/health-kit.js';

/** Short ejections; no latency rule (this machine's load must not read as a slow provider). */
const POLICY: HealthSettings = {
  consecutiveFailures: 3,
  ejection: { baseMs: 1_500, maxMs: 60_000 },
  latency: null,
  slowStartMs: 0,
  retryAfter: { maxMs: 60_000 },
  trialCalls: 1,
};
const ENV = { BACKSTOP_HEALTH_POLICY: JSON.stringify(POLICY) };

/**
 * The shared state across processes: a worker process ejects, the test process honours it (and
 * the other way round), trial calls come from one budget, a hung provider is ejected while its
 * calls still hang, and a Retry-After cools a provider down for exactly that long everywhere.
 */
describe('health shared across processes', { timeout: 60_000 }, () => {
  const kit = useHealthKit({ healthPolicy: POLICY });

  it('an ejection in a worker is honoured here, with its reason and time left; its trial calls come from one budget', async () => {
    const { backstop } = kit();
    const primary = (await kit().provider('primary')).down(503);
    const secondary = await kit().provider('secondary');
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('primary'), option('secondary')],
    });
    await kit().fallbackWorker(ENV);
    const job = async () => {
      const dispatched = await backstop.fallback.dispatch({ tag: 'pay' });
      return backstop.jobs.wait(dispatched.id, { timeout: 15_000 });
    };
    for (let i = 0; i < 3; i++) expect((await job()).provider).toBe('secondary');
    await until(
      () => backstop.healthView.peek(key('primary'))?.health_state === 'ejected',
      15_000,
      'ejected',
    );
    const status = await backstop.health.status('primary');
    expect(status).toMatchObject({
      provider_status: 'unhealthy',
      state: 'ejected',
      reason: 'consecutive-failures',
      ejections: 1,
      alert: false,
      circuit: { state: 'open' },
    });
    expect(Date.parse(status.until!) - Date.parse(status.changed!.at)).toBe(1_500);
    expect(status.time_left_ms).toBeGreaterThan(0);
    const fetched = (await backstop.fallback.fetch('pay')).options[0]!;
    expect(fetched).toMatchObject({
      provider_status: 'unhealthy',
      health_state: 'ejected',
      health_reason: 'consecutive-failures',
    });

    // This process skips it without a call.
    const report = await backstop.fallback.runDetailed({ tag: 'pay' });
    expect(report.attempts[0]).toMatchObject({
      provider: 'primary',
      outcome: 'skipped',
      skipped: 'unhealthy',
    });
    expect(charges(primary)).toHaveLength(3);

    // Time is over: on trial. Runs here and jobs in the worker, side by side: one trial call in all.
    await until(() => backstop.healthView.peek(key('primary'))?.health_state === 'trial', 15_000, 'trial');
    const load: Promise<{ provider?: string | undefined }>[] = [];
    for (let i = 0; i < 20; i++) {
      load.push(backstop.fallback.runDetailed({ tag: 'pay' }), job());
      // Spread over a second, so calls keep arriving while the trial call is in flight.
      await new Promise((spread) => setTimeout(spread, 50));
    }
    const served = await Promise.all(load);
    expect(served.every((r) => r.provider === 'secondary')).toBe(true);
    await until(
      async () => (await backstop.health.status('primary')).ejections === 2,
      15_000,
      'ejected again',
    );
    expect(charges(primary)).toHaveLength(4);
    const again = await backstop.health.status('primary');
    expect(Date.parse(again.until!) - Date.parse(again.changed!.at)).toBe(3_000); // base × 2
    expect(charges(secondary).length).toBeGreaterThanOrEqual(3 + 1 + 40);
  });

  it('ejects a hung provider while its calls still hang, and the worker skips it', async () => {
    const { backstop } = kit();
    const primary = (await kit().provider('primary')).always({ kind: 'stall' });
    await kit().provider('secondary');
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [
        option('primary', { timeout: 60_000, health: { latency: { thresholdMs: 300 } } }),
        option('secondary'),
      ],
    });
    await kit().fallbackWorker(ENV);
    let settled = 0;
    const hung = Array.from({ length: 4 }, () =>
      backstop.fallback.run({ tag: 'pay' }).finally(() => {
        settled++;
      }),
    );
    await until(
      () => backstop.healthView.peek(key('primary'))?.health_state === 'ejected',
      15_000,
      'ejected',
    );
    expect(settled).toBe(0); // every call still hangs
    expect((await backstop.health.status('primary')).reason).toBe('latency');
    const dispatched = await backstop.fallback.dispatch({ tag: 'pay' });
    const view = await backstop.jobs.wait(dispatched.id, { timeout: 15_000 });
    expect(view.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'skipped' });
    expect(charges(primary)).toHaveLength(4);
    primary.up();
    await primary.close(); // ends the hung calls: they fail over to the secondary
    expect((await Promise.all(hung)).map((r) => r.provider)).toEqual(Array(4).fill('secondary'));
  });

  it('a 429 with Retry-After in a worker cools the provider down here for exactly that long, then it is back at once', async () => {
    const { backstop } = kit();
    const primary = (await kit().provider('primary')).next({ kind: 'fail', status: 429, retryAfter: '2' });
    await kit().provider('secondary');
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('primary'), option('secondary')],
    });
    await kit().fallbackWorker(ENV);
    const dispatched = await backstop.fallback.dispatch({ tag: 'pay' });
    expect((await backstop.jobs.wait(dispatched.id, { timeout: 15_000 })).provider).toBe('secondary');
    await until(
      () => backstop.healthView.peek(key('primary'))?.health_state === 'cooling',
      15_000,
      'cooling',
    );
    const status = await backstop.health.status('primary');
    expect(status).toMatchObject({ state: 'cooling', reason: 'retry-after', ejections: 0 });
    expect(Date.parse(status.until!) - Date.parse(status.changed!.at)).toBe(2_000);
    expect((await backstop.fallback.runDetailed({ tag: 'pay' })).attempts[0]!.outcome).toBe('skipped');
    await until(() => backstop.healthView.peek(key('primary'))?.health_state !== 'cooling', 15_000, 'cooled');
    expect((await backstop.fallback.run({ tag: 'pay' })).provider).toBe('primary');
    expect(charges(primary)).toHaveLength(2);
  });
});
