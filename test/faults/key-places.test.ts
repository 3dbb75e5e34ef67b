import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import type { WorkerProcess } from '../helpers/worker-process.js';
import {
  allFinished,
  chargeOption,
  defineApp,
  finishedJobs,
  report,
  scale,
  useFaultKit,
} from './fault-kit.js';

const JOBS = scale(40, 300);

/**
 * Three providers that each read the key their own way (Stripe's `Idempotency-Key`, PayPal's
 * `PayPal-Request-Id`, Square's `idempotency_key` body field): through retries and through re-runs
 * after SIGKILLs, each provider sees one key per job, always in its place.
 */
describe('fault suite: the key where each provider reads it', () => {
  const kit = useFaultKit();

  it(`${JOBS} jobs through header, custom header and body field, with retries and re-runs`, {
    timeout: scale(180_000, 600_000),
  }, async () => {
    const { backstop, worker, provider } = kit();
    const stripe = await provider('stripe', { faults: () => 'refuse', latencyMs: 50 });
    const paypal = await provider('paypal', {
      faults: () => 'refuse',
      place: { header: 'PayPal-Request-Id' },
    });
    const square = await provider('square', { latencyMs: 150, place: { bodyField: 'idempotency_key' } });
    await defineApp(backstop, stripe);
    await defineApp(backstop, paypal, { header: 'PayPal-Request-Id' });
    await defineApp(backstop, square, { bodyField: 'idempotency_key' });
    await backstop.fallback.create({
      name: 'three places',
      tag: 'three-places',
      input: { amount: { type: 'number' } },
      onAmbiguous: 'stop',
      // Timeouts far above the providers' latency: this is about where keys go, and an attempt that
      // timed out (a worker slow to warm up) would stop its job as ambiguous under 'stop'.
      options: [stripe, paypal, square].map((p) => chargeOption(p, { timeout: 5_000 })),
    });
    const env = { BACKSTOP_CONCURRENCY: '4' };
    const alive: WorkerProcess[] = [await worker(env)];
    const keys = Array.from({ length: JOBS }, (_, i) => `order-${i}`);
    await backstop.fallback.dispatchBulk(
      keys.map((idempotencyKey) => ({ tag: 'three-places', input: { amount: 5 }, idempotencyKey })),
    );
    // Two kills while calls are in flight, each followed by a new worker.
    for (let k = 1; k <= 2; k++) {
      await until(() => square.effects.size >= (JOBS * k) / 3, scale(60_000, 300_000), `${k}/3 of the jobs`);
      await alive.shift()!.kill();
      alive.push(await worker(env));
    }
    await allFinished(backstop, JOBS, scale(120_000, 600_000));
    const jobs = await finishedJobs(backstop);

    const misplaced: string[] = [];
    const keysSeen = (p: typeof stripe) => {
      const perJob = new Map<string, Set<string>>();
      for (const r of p.requests) {
        if (r.key === undefined) {
          misplaced.push(`${p.name}: a request without the key in its place`);
          continue;
        }
        const job = r.key.slice(0, r.key.lastIndexOf(':'));
        if (r.key !== `${job}:${p.name}`) misplaced.push(`${p.name}: ${r.key}`);
        perJob.set(job, (perJob.get(job) ?? new Set()).add(r.key));
      }
      return perJob;
    };
    const seen = [stripe, paypal, square].map((p) => keysSeen(p));
    report('key places', {
      jobs: JOBS,
      completed: jobs.filter((j) => j.state === 'completed').length,
      reRuns: jobs.filter((j) => j.runs > 1).length,
      requests: [stripe, paypal, square].map((p) => `${p.name}:${p.requests.length}`).join(','),
      keysPerJobAndProvider: Math.max(...seen.flatMap((m) => [...m.values()].map((s) => s.size))),
      misplaced: misplaced.length,
    });
    expect(misplaced).toEqual([]);
    expect(jobs.filter((j) => j.state === 'completed')).toHaveLength(JOBS);
    for (const m of seen) for (const set of m.values()) expect(set.size).toBe(1);
    // Every job reached each provider, with retries on the first two.
    for (const [i, m] of seen.entries())
      expect({ provider: i, jobs: m.size }).toEqual({ provider: i, jobs: JOBS });
    expect(stripe.requests.length).toBeGreaterThanOrEqual(2 * JOBS);
    expect(square.effects.size).toBe(JOBS);
  });
});
