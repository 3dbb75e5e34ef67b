import { describe, expect, it } from 'vitest';
import type { HistoryBucket } from '../../src/health/history.js';
import type { AttemptRecord } from '../../src/index.js';
import { charges, key, option, until, useHealthKit } from '../helpers/health-kit.js';

type Totals = { success: number; failure: number; skipped: number };

function totals(buckets: HistoryBucket[]): Totals {
  return buckets.reduce(
    (t, b) => ({
      success: t.success + b.success,
      failure: t.failure + b.failure,
      skipped: t.skipped + b.skipped,
    }),
    { success: 0, failure: 0, skipped: 0 },
  );
}

/**
 * `health.history` counts what really happened, whichever process ran it: the calls the simulators
 * saw (successes, failures) and the skips in the runs' attempt records.
 */
describe('provider history', () => {
  const kit = useHealthKit();

  it('counts successes, failures and skips from this process and a worker process', async () => {
    const { backstop } = kit();
    const started = Date.now();
    const a = (await kit().provider('a')).down(503);
    // b answers after 30 ms: its latency percentiles have a lower bound.
    const b = (await kit().provider('b')).always({ kind: 'stall', ms: 30 });
    const endpoint = (await kit().simulator('a-status')).up();
    await backstop.health.create({
      name: 'a status',
      tag: 'a-health',
      url: `${endpoint.url}/status`,
      interval: 100,
      retries: 1,
      envs: [{ slug: 'prd', input: {} }],
    });
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('a', { healthcheck: 'a-health' }), option('b')],
    });
    await backstop.worker({ fallbacks: false });
    await kit().fallbackWorker();
    const attempts: AttemptRecord[] = [];
    const runHere = async () =>
      attempts.push(...(await backstop.fallback.runDetailed({ tag: 'pay' })).attempts);
    const runThere = async () => {
      const job = await backstop.fallback.dispatch({ tag: 'pay' });
      const view = await backstop.jobs.wait(job.id, { timeout: 15_000 });
      expect(view.provider).toBe('b');
      attempts.push(...view.attempts);
    };
    await until(() => backstop.healthView.peek(key('a-health'))?.provider_status === 'healthy');

    // a healthy but failing: a fails, b serves.
    for (let i = 0; i < 3; i++) await runHere();
    await runThere();
    // a marked unhealthy by its probe: a skipped, b serves.
    endpoint.down();
    await until(() => backstop.healthView.peek(key('a-health'))?.provider_status === 'unhealthy');
    for (let i = 0; i < 2; i++) await runHere();
    await runThere();

    const skippedA = attempts.filter((x) => x.provider === 'a' && x.outcome === 'skipped').length;
    const failedA = attempts.filter((x) => x.provider === 'a' && x.outcome === 'failure').length;
    expect(skippedA).toBe(3);
    expect(failedA).toBe(charges(a).length);
    expect(charges(a)).toHaveLength(4);
    expect(charges(b)).toHaveLength(7);

    const expectedA = { success: 0, failure: charges(a).length, skipped: skippedA };
    const expectedB = { success: charges(b).length, failure: 0, skipped: 0 };
    // The worker process writes its counts about once a second.
    let historyA: HistoryBucket[] = [];
    let historyB: HistoryBucket[] = [];
    await until(
      async () => {
        historyA = (await backstop.health.history({ provider: 'a' })).buckets;
        historyB = (await backstop.health.history({ provider: 'b', env: 'prd', product: 'my-product' }))
          .buckets;
        return (
          JSON.stringify(totals(historyA)) === JSON.stringify(expectedA) &&
          JSON.stringify(totals(historyB)) === JSON.stringify(expectedB)
        );
      },
      15_000,
      'history to match the calls and skips',
    );
    expect(totals(historyA)).toEqual(expectedA);
    expect(totals(historyB)).toEqual(expectedB);

    for (const bucket of [...historyA, ...historyB]) {
      expect(Date.parse(bucket.start)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(bucket.start)).toBeGreaterThan(started - 60_000);
      // Skips have no latency: a bucket of skips alone has no percentiles.
      if (bucket.success + bucket.failure === 0) {
        expect(bucket.p50).toBeNull();
        continue;
      }
      expect(bucket.p50!).toBeLessThanOrEqual(bucket.p95!);
      expect(bucket.p95!).toBeLessThanOrEqual(bucket.p99!);
    }
    for (const bucket of historyB) expect(bucket.p50).toBeGreaterThanOrEqual(30);

    // Probes are not live calls; other envs, other products and other windows are empty.
    expect(endpoint.calls.length).toBeGreaterThan(0);
    expect((await backstop.health.history({ provider: 'a-status' })).buckets).toEqual([]);
    expect((await backstop.health.history({ provider: 'a', env: 'stg' })).buckets).toEqual([]);
    expect((await backstop.health.history({ provider: 'a', product: 'other' })).buckets).toEqual([]);
    const before = { provider: 'b', from: started - 7_200_000, to: started - 3_600_000 };
    expect((await backstop.health.history(before)).buckets).toEqual([]);
    const window = await backstop.health.history({
      provider: 'b',
      from: new Date(started - 60_000).toISOString(),
      to: new Date(),
    });
    expect(totals(window.buckets)).toEqual(expectedB);
  });

  it('rejects a query without a provider or with a bad date, naming the field', async () => {
    const { backstop } = kit();
    await expect(backstop.health.history({ provider: '' })).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      issues: [{ path: 'provider' }],
    });
    await expect(backstop.health.history({ provider: 'a', from: 'yesterday-ish' })).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      issues: [{ path: 'from' }],
    });
  });
});
