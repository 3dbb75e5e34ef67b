import { describe, expect, it } from 'vitest';
import type { HealthSettings } from '../../src/core/health/health-policy-schema.js';
import { charges, key, option, pings, until, useHealthKit } from '../helpers/health-kit.js';

const POLICY: HealthSettings = {
  consecutiveFailures: 3,
  ejection: { baseMs: 30_000, maxMs: 60_000 },
  latency: null,
  slowStartMs: 1_000,
  trialCalls: 1,
};
const ENV = { BACKSTOP_HEALTH_POLICY: JSON.stringify(POLICY) };

/**
 * Recovery across processes: a passing probe ends an ejection long before its time; one good
 * trial call brings the provider back everywhere (slow start); under `whenAllUnhealthy: 'fail'` one
 * passing probe is enough; successes of another process interleaved with failures keep a provider
 * in; one provider's hung probes never hold another's.
 */
describe('recovery across processes', { timeout: 60_000 }, () => {
  const kit = useHealthKit({ healthPolicy: POLICY });

  it('a passing probe ends a live ejection early; the good trial call brings the provider back in every process', async () => {
    const { backstop, events } = kit();
    const primary = (await kit().provider('primary')).down(503);
    await kit().provider('secondary');
    // The probe checks a status endpoint that stays up while charges fail.
    const endpoint = (await kit().simulator('primary-status')).always({ kind: 'ok', status: 204 });
    await backstop.health.create({
      name: 'Primary status',
      tag: 'primary-health',
      url: `${endpoint.url}/health`,
      expectStatus: 204,
      interval: 1_000,
      retries: 2,
      passes: 10, // only a trial call can bring it back within this test
      envs: [{ slug: 'prd', input: {} }],
    });
    const options = [option('primary', { healthcheck: 'primary-health' }), option('secondary')];
    await backstop.fallback.create({ name: 'Pay', tag: 'pay', options });
    await kit().healthWorker(ENV);
    await kit().fallbackWorker(ENV);
    const hk = key('primary-health');
    await until(() => backstop.healthView.peek(hk)?.health_state === 'healthy', 15_000, 'a first probe');
    // Failing runs until the streak ejects it (three in a row; exactly when is the ejection tests'
    // business: a loaded CI run once missed it with exactly three runs).
    await until(
      async () => {
        if (backstop.healthView.peek(hk)?.health_state === 'ejected') return true;
        await backstop.fallback.run({ tag: 'pay' });
        return false;
      },
      15_000,
      'ejected',
    );
    const ejected = await backstop.health.status('primary-health');
    const until30s = Date.parse(ejected.until!);

    // The next probe passes: on trial, some 29 s before the ejection time is over.
    await until(() => backstop.healthView.peek(hk)?.health_state === 'trial', 15_000, 'trial');
    const trial = events.of('primary-health').find((e) => (e.state.ejection?.trialSince ?? null) !== null)!;
    expect(trial.state.change?.reason).toBe('probe-passed');
    expect(trial.state.ejection!.trialSince!).toBeLessThan(until30s - 25_000);

    // The provider is back; the first run to hold the trial call (here or in the worker) brings it back.
    primary.up();
    await until(
      async () => {
        const dispatched = await backstop.fallback.dispatch({ tag: 'pay' });
        const done = await backstop.jobs.wait(dispatched.id, { timeout: 15_000 });
        const here = await backstop.fallback.run({ tag: 'pay' });
        return done.provider === 'primary' || here.provider === 'primary';
      },
      15_000,
      'a trial call to succeed',
    );
    const back = await backstop.health.status('primary-health');
    expect(['ramping', 'healthy']).toContain(back.state);
    expect(back.changed?.reason).toBe('trial-succeeded');
    expect(Date.parse(back.changed!.at)).toBeLessThan(until30s);
    await until(
      () => backstop.healthView.peek(hk)?.health_state === 'healthy',
      15_000,
      'the slow start to end',
    );
    expect((await backstop.fallback.run({ tag: 'pay' })).provider).toBe('primary');
    const dispatched = await backstop.fallback.dispatch({ tag: 'pay' });
    expect((await backstop.jobs.wait(dispatched.id, { timeout: 15_000 })).provider).toBe('primary');
  });

  it("under 'fail', every provider down: one passing probe of the one that comes back is enough", async () => {
    const { backstop } = kit();
    const sims = [await kit().provider('a'), await kit().provider('b')];
    for (const [i, name] of ['a', 'b'].entries()) {
      sims[i]!.down(503);
      await backstop.health.create({
        name,
        tag: `${name}-health`,
        app: name,
        event: 'ping',
        interval: 1_000,
        retries: 1,
        passes: 10,
        envs: [{ slug: 'prd', input: {} }],
      });
    }
    const options = ['a', 'b'].map((n) => option(n, { healthcheck: `${n}-health` }));
    await backstop.fallback.create({ name: 'Strict', tag: 'strict', options, whenAllUnhealthy: 'fail' });
    await kit().healthWorker(ENV);
    await until(
      () => ['a', 'b'].every((n) => backstop.healthView.peek(key(`${n}-health`))?.health_state === 'ejected'),
      15_000,
      'both out',
    );
    await expect(backstop.fallback.run({ tag: 'strict' })).rejects.toMatchObject({
      code: 'BACKSTOP_FALLBACK_EXHAUSTED',
    });
    const b = sims[1]!;
    b.up();
    const passedBefore = pings(b).length;
    await until(
      async () => (await backstop.fallback.run({ tag: 'strict' }).catch(() => undefined))?.provider === 'b',
      15_000,
      'b to serve',
    );
    // b came back on the first probe that passed: a trial call, not the 10 passes its probes ask for.
    expect(pings(b).length - passedBefore).toBeLessThanOrEqual(2);
    expect((await backstop.health.status('b-health')).consecutive_passes).toBeLessThan(10);
    expect(charges(sims[0]!)).toHaveLength(0);
  });

  it("successes of another process interleaved with this one's failures keep the provider in", async () => {
    const { backstop } = kit();
    const other = kit().another();
    await backstop.health.status('p');
    await other.health.status('p');
    const k = key('p');
    const failure = { code: 'BACKSTOP_PROVIDER_HTTP', status: 503 };
    // Three times, in the same instant: a failure here, a success there. Never three in a row.
    for (let i = 0; i < 3; i++) {
      backstop.healthView.record?.(k, { provider: 'p', kind: 'failure', latencyMs: 5, failure });
      other.healthView.record?.(k, { provider: 'p', kind: 'success', latencyMs: 5 });
    }
    await until(
      async () => (await backstop.health.status('p')).live.window_calls >= 6,
      15_000,
      'all six counted',
    );
    // The three failures decided an ejection; the successes, sent the moment the other process saw
    // the first failure, cancelled it within its confirmation window.
    await until(async () => (await backstop.health.status('p')).live.streak === 0, 15_000, 'the streak cut');
    const status = await backstop.health.status('p');
    expect(status).toMatchObject({ state: 'unknown', ejections: 0 });
    expect(status.live.window_failures).toBeCloseTo(3, 1);
  });

  it("one provider's hung probes never hold another's: probes of a round run side by side, a probe times out within its interval", async () => {
    const { backstop } = kit();
    const hung = (await kit().provider('hung')).always({ kind: 'stall' });
    const fine = await Promise.all(['f1', 'f2', 'f3', 'f4', 'f5', 'f6'].map((n) => kit().provider(n)));
    for (const name of ['hung', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']) {
      await backstop.health.create({
        name,
        tag: `${name}-health`,
        app: name,
        event: 'ping',
        interval: 500,
        envs: [{ slug: 'prd', input: {} }],
      });
    }
    const worker = await kit().healthWorker(ENV);
    // Twelve hung probes: more than twice the worker's five slots, had each held one until its 10 s timeout.
    await until(() => pings(hung).length >= 12, 30_000, 'twelve hung probes');
    const hungCount = pings(hung).length;
    const timedOut = worker.logs.filter(
      (l) => l.msg === 'probe' && l.healthcheck === 'hung-health' && l.ok === false,
    );
    expect(timedOut.length).toBeGreaterThanOrEqual(hungCount - 2);
    expect(timedOut.every((l) => l.error === 'probe timed out after 500 ms')).toBe(true);
    // Every other provider was probed all along, about as often as the hung one.
    for (const sim of fine) expect(pings(sim).length).toBeGreaterThanOrEqual(hungCount - 3);
  });
});
