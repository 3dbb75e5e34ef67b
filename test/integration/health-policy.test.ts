import { describe, expect, it } from 'vitest';
import { ErrorCodes, FallbackExhaustedError } from '../../src/index.js';
import { charges, dueProbes, key, option, until, useHealthKit } from '../helpers/health-kit.js';
import { rejection } from '../helpers/http-chains.js';

/**
 * Code-first healthchecks probed by `backstop.worker()` in this process, and what a chain does when
 * every provider is unhealthy: try them anyway, in order ('try-anyway'), or fail without a call.
 */
describe('when every provider is unhealthy', () => {
  const kit = useHealthKit();

  it("runs probes in backstop.worker() only when asked, then tries all in order ('try-anyway') or fails without calls", async () => {
    const { prefix, backstop } = kit();
    const a = (await kit().provider('a')).down(503);
    const b = await kit().provider('b');
    const probed = { a: 0, b: 0 };
    const fallbacksOnly = await backstop.worker({ healthchecks: false });
    for (const name of ['a', 'b'] as const) {
      await backstop.health.define({
        name: `${name} health`,
        tag: `${name}-health`,
        interval: 100,
        retries: 1,
        envs: [{ slug: 'prd', input: {} }],
        handler: () => {
          probed[name]++;
          throw new Error(`${name} is down`);
        },
      });
    }
    const options = [option('a', { healthcheck: 'a-health' }), option('b', { healthcheck: 'b-health' })];
    await backstop.fallback.create({
      name: 'Anyway',
      tag: 'anyway',
      options,
      whenAllUnhealthy: 'try-anyway',
    });
    await backstop.fallback.create({ name: 'Strict', tag: 'strict', options, whenAllUnhealthy: 'fail' });
    await backstop.fallback.define({
      tag: 'sentinel',
      name: 'A job the fallback worker runs',
      handler: (ctx) => void ctx.primary('local').handler(async () => ({ ran: true })),
    });

    // A worker without healthchecks runs no probe: a probe is due, and a job dispatched after that
    // has been run by this worker while the probe still waits for a healthcheck worker.
    await until(async () => (await dueProbes(prefix, 'a-health')) > 0, 15_000, 'a probe to be due');
    const sentinel = await backstop.fallback.dispatch({ tag: 'sentinel', input: {} });
    expect((await backstop.jobs.wait(sentinel.id, { timeout: 15_000 })).state).toBe('completed');
    expect(probed).toEqual({ a: 0, b: 0 });
    expect(await dueProbes(prefix, 'a-health')).toBeGreaterThan(0);
    await fallbacksOnly.close();

    const worker = await backstop.worker();
    await until(
      () =>
        ['a-health', 'b-health'].every(
          (hc) => backstop.healthView.peek(key(hc))?.provider_status === 'unhealthy',
        ),
      15_000,
      'both providers unhealthy',
    );
    expect(probed.a).toBeGreaterThanOrEqual(1);
    expect(probed.b).toBeGreaterThanOrEqual(1);

    // 'try-anyway': both skipped, then both tried anyway, in chain order; b serves.
    const report = await backstop.fallback.runDetailed({ tag: 'anyway' });
    expect(report.provider).toBe('b');
    expect(report.attempts.map((x) => [x.provider, x.outcome])).toEqual([
      ['a', 'skipped'],
      ['b', 'skipped'],
      ['a', 'failure'],
      ['b', 'success'],
    ]);
    expect(charges(a)).toHaveLength(1);
    expect(charges(b)).toHaveLength(1);
    expect(charges(a)[0]!.at).toBeLessThanOrEqual(charges(b)[0]!.at);

    // Everything down: the try-anyway pass fails too, with every attempt on record.
    b.down(503);
    const exhausted = await rejection(backstop.fallback.run({ tag: 'anyway' }));
    expect(exhausted).toBeInstanceOf(FallbackExhaustedError);
    expect((exhausted as FallbackExhaustedError).attempts.map((x) => x.outcome)).toEqual([
      'skipped',
      'skipped',
      'failure',
      'failure',
    ]);
    expect(charges(a)).toHaveLength(2);
    expect(charges(b)).toHaveLength(2);

    // whenAllUnhealthy: 'fail' — no provider is called at all.
    b.up();
    a.up();
    const strict = await rejection(backstop.fallback.run({ tag: 'strict' }));
    expect(strict).toBeInstanceOf(FallbackExhaustedError);
    expect((strict as FallbackExhaustedError).code).toBe(ErrorCodes.FALLBACK_EXHAUSTED);
    expect((strict as FallbackExhaustedError).attempts).toMatchObject([
      { provider: 'a', outcome: 'skipped', skipped: 'unhealthy' },
      { provider: 'b', outcome: 'skipped', skipped: 'unhealthy' },
    ]);
    expect(charges(a)).toHaveLength(2);
    expect(charges(b)).toHaveLength(2);

    // One healthy provider is enough for the strict chain, and it is the only one called.
    await backstop.health.delete('b-health');
    await backstop.health.define({
      name: 'b health',
      tag: 'b-health',
      interval: 100,
      retries: 1,
      envs: [{ slug: 'prd', input: {} }],
      handler: () => undefined,
    });
    await until(() => backstop.healthView.peek(key('b-health'))?.provider_status === 'healthy');
    const served = await backstop.fallback.runDetailed({ tag: 'strict' });
    expect(served.provider).toBe('b');
    expect(served.attempts.map((x) => x.outcome)).toEqual(['skipped', 'success']);
    expect(charges(a)).toHaveLength(2);
    await worker.close();
  });
});
