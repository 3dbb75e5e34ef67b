import { describe, expect, it } from 'vitest';
import type { ProviderSpec } from '../../src/core/chain.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { ProviderHttpError } from '../../src/core/provider-errors.js';
import { pickWeighted } from '../../src/core/weighted-pick.js';
import { chain, provider } from '../helpers/chains.js';
import { counted, engine, fail, ok } from '../helpers/engine.js';
import { seeded } from '../helpers/idempotent-provider.js';

const PICKS = 100_000;

function quota(providers: ProviderSpec[]) {
  return chain(providers, { selection: 'weighted' });
}

function shares(counts: Record<string, number>): Record<string, number> {
  const total = Object.values(counts).reduce((a, n) => a + n, 0);
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / total]));
}

/** Runs the quota `times` times and counts which provider served each run. */
async function served(run: ReturnType<typeof engine>['run'], c: ReturnType<typeof quota>, times: number) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    const outcome = await run(c);
    const name = outcome.ok ? outcome.provider : 'none';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('weighted selection on a seeded random source', () => {
  it(`matches the weights within 1 percentage point over ${PICKS} picks`, () => {
    const random = seeded(7);
    const weights = [70, 20, 10];
    const counts = [0, 0, 0];
    for (let i = 0; i < PICKS; i++) {
      const index = pickWeighted(weights, random());
      counts[index!]!++;
    }
    for (const [i, weight] of weights.entries())
      expect(Math.abs(counts[i]! / PICKS - weight / 100)).toBeLessThan(0.01);
  });

  it('never picks a weight of 0, and picks nothing when no weight is positive', () => {
    for (const draw of [0, 0.25, 0.5, 0.999_999]) expect(pickWeighted([0, 3, 0], draw)).toBe(1);
    expect(pickWeighted([0], 0.5)).toBeUndefined();
    // Left out (unhealthy, tried): its weight goes to the others.
    expect(pickWeighted([5, 1], 0.1, [true, false])).toBe(1);
  });

  it(`spreads ${PICKS} quota runs over the providers by weight (missing weight = 1)`, async () => {
    const { run } = engine({ random: seeded(42) });
    const c = quota([
      provider('twilio', ok({}), { weight: 6 }),
      provider('vonage', ok({}), { weight: 3 }),
      provider('sns', ok({})), // no weight: counts as 1
    ]);
    const got = shares(await served(run, c, PICKS));
    expect(Math.abs(got.twilio! - 0.6)).toBeLessThan(0.01);
    expect(Math.abs(got.vonage! - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(got.sns! - 0.1)).toBeLessThan(0.01);
  });

  it('never picks an unhealthy provider while others are healthy: its weight goes to the rest', async () => {
    const { run, health } = engine({ random: seeded(3) });
    health.set({ product: 'p', env: 'prd', healthcheck: 'vonage' }, 'unhealthy');
    const vonage = counted();
    const c = quota([
      provider('twilio', ok({}), { weight: 50 }),
      provider('vonage', vonage.fn, { weight: 30 }),
      provider('sns', ok({}), { weight: 20 }),
    ]);
    const got = shares(await served(run, c, 20_000));
    expect(vonage.calls).toBe(0);
    expect(got.vonage).toBeUndefined();
    // 50 : 20 of what is left: 5/7 and 2/7.
    expect(Math.abs(got.twilio! - 5 / 7)).toBeLessThan(0.01);
    expect(Math.abs(got.sns! - 2 / 7)).toBeLessThan(0.01);
  });

  it('never picks a drained provider (weight 0), even when every other one fails', async () => {
    const { run } = engine({ random: seeded(5) });
    const drained = counted();
    const c = quota([
      provider('twilio', fail(new ProviderHttpError(503, 'down')), { weight: 1 }),
      provider('old', drained.fn, { weight: 0 }),
      provider('vonage', fail(new ProviderHttpError(503, 'down')), { weight: 1 }),
    ]);
    for (let i = 0; i < 200; i++) {
      const outcome = await run(c);
      expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.FALLBACK_EXHAUSTED);
    }
    expect(drained.calls).toBe(0);
  });

  it('tries every provider (each with its retries) before giving up', async () => {
    const random = seeded(9);
    const { run } = engine({ random });
    const names = ['a', 'b', 'c', 'd'];
    const c = quota(
      names.map((name, i) =>
        provider(name, fail(new ProviderHttpError(503, 'down')), { weight: i + 1, retries: 1 }),
      ),
    );
    const orders = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const outcome = await run(c, { runId: `run-${i}`, runKey: `run-${i}` });
      expect(outcome.ok).toBe(false);
      const tried = outcome.attempts.map((a) => `${a.provider}${a.attempt}`);
      // Each provider twice in a row (its retry), every provider once.
      expect(tried).toHaveLength(8);
      const order = outcome.attempts.filter((a) => a.attempt === 1).map((a) => a.provider);
      expect([...order].sort()).toEqual(names);
      orders.add(order.join(''));
    }
    // The order is drawn by weight, not fixed.
    expect(orders.size).toBeGreaterThan(1);
  });

  it('after a failure picks again among the untried providers by weight', async () => {
    const { run } = engine({ random: seeded(11) });
    const c = quota([
      provider('down', fail(new ProviderHttpError(503, 'down')), { weight: 10 }),
      provider('b', ok({}), { weight: 3 }),
      provider('c', ok({}), { weight: 1 }),
    ]);
    const got = shares(await served(run, c, 20_000));
    expect(got.down).toBeUndefined();
    expect(Math.abs(got.b! - 0.75)).toBeLessThan(0.01);
  });

  it('resumes a job at the provider it was calling and never goes back to one it tried', async () => {
    const { run } = engine({ random: seeded(1) });
    const a = counted(fail(new ProviderHttpError(503, 'down')));
    const b = counted(ok({ id: 'b' }));
    const c = counted(ok({ id: 'c' }));
    const q = quota([
      provider('a', a.fn, { weight: 100 }),
      provider('b', b.fn, { weight: 1 }),
      provider('c', c.fn, { weight: 1 }),
    ]);
    const previous = await run(q, { runId: 'job', runKey: 'job' });
    expect(previous.ok).toBe(true);
    const outcome = await run(q, {
      runId: 'job',
      runKey: 'job',
      startAt: 2,
      previousAttempts: [{ ...previous.attempts[0]!, provider: 'a' }],
    });
    expect(outcome.ok && outcome.provider).toBe('c');
    expect(a.calls).toBe(1); // only in the first run
  });
});
