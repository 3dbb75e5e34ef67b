import { beforeEach, describe, expect, it } from 'vitest';
import { FallbackExhaustedError } from '../../src/index.js';
import { CACHE, INPUT, numbered, useCacheKit } from '../helpers/cache-kit.js';
import { rawRedis } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

// The result cache against a real Redis and real HTTP providers: every assertion about "the
// provider was (not) called" counts the calls the simulator actually received.
const k = useCacheKit();

describe('a run naming a cache', () => {
  it('misses first: calls the provider once and reports hit false', async () => {
    const { sim, tag } = await k.cachedChain();
    const report = await k.cachedRun(tag);
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.body).toEqual(INPUT);
    expect(report.cache).toEqual({ tag: CACHE, hit: false });
    expect(report.result).toMatchObject({ provider: sim.name, id: 'tx-1' });
  });

  it('hits the second time: no provider call, the same result, one attempt record from the cache', async () => {
    const { sim, tag } = await k.cachedChain();
    const first = await k.cachedRun(tag);
    const second = await k.cachedRun(tag);
    expect(sim.calls).toHaveLength(1);
    expect(second.result).toEqual(first.result);
    expect(second.provider).toBe(sim.name);
    expect(second.runId).not.toBe(first.runId);
    expect(second.cache).toEqual({
      tag: CACHE,
      hit: true,
      storedAt: expect.any(String),
      runId: first.runId,
    });
    expect(Number.isNaN(Date.parse(second.cache!.storedAt!))).toBe(false);
    expect(second.attempts).toHaveLength(1);
    expect(second.attempts[0]).toMatchObject({
      provider: sim.name,
      attempt: 0,
      outcome: 'success',
      cache: { tag: CACHE, storedAt: second.cache!.storedAt, runId: first.runId },
    });
  });

  it.each([
    { what: 'misses for a different input', input: { amount: 6, currency: 'EUR' }, hit: false, calls: 2 },
    {
      what: 'hits for the same input with its keys in another order',
      input: { currency: 'EUR', amount: 5 },
      hit: true,
      calls: 1,
    },
  ])('$what', async ({ input, hit, calls }) => {
    const { sim, tag } = await k.cachedChain();
    await k.cachedRun(tag);
    const other = await k.cachedRun(tag, { input });
    expect(other.cache?.hit).toBe(hit);
    expect(sim.calls).toHaveLength(calls);
  });

  it('keeps envs apart: a result stored in prd is not served in stg', async () => {
    const { sim, tag } = await k.cachedChain();
    await k.backstop.app.define({
      tag: sim.name,
      envs: { prd: { baseUrl: sim.url }, stg: { baseUrl: sim.url } },
      actions: { call: { method: 'POST', path: '/call' } },
    });
    const prd = await k.cachedRun(tag, { env: 'prd' });
    const stg = await k.cachedRun(tag, { env: 'stg' });
    expect(stg.cache?.hit).toBe(false);
    expect(stg.result.id).not.toBe(prd.result.id);
    expect(sim.calls).toHaveLength(2);
    const stgAgain = await k.cachedRun(tag, { env: 'stg' });
    expect(stgAgain.cache).toMatchObject({ hit: true, runId: stg.runId });
    expect(sim.calls).toHaveLength(2);
  });

  it('without cache, always calls the provider and neither reads nor stores results', async () => {
    const { sim, tag } = await k.cachedChain();
    await k.cachedRun(tag);
    const uncached = await k.backstop.fallback.runDetailed({ tag, input: INPUT });
    expect(uncached.cache).toBeUndefined();
    expect(uncached.result.id).toBe('tx-2');
    await k.backstop.fallback.run({ tag, input: INPUT });
    expect(sim.calls).toHaveLength(3);

    const fresh = { amount: 9, currency: 'USD' };
    await k.backstop.fallback.run({ tag, input: fresh });
    const afterUncached = await k.cachedRun(tag, { input: fresh });
    expect(afterUncached.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(5);
  });

  it('stores only successes: a failed run is not cached, the next run calls the provider', async () => {
    const { sim, tag } = await k.cachedChain();
    sim.down();
    await expect(k.cachedRun(tag)).rejects.toBeInstanceOf(FallbackExhaustedError);
    numbered(sim);
    const retried = await k.cachedRun(tag);
    expect(retried.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
    const hit = await k.cachedRun(tag);
    expect(hit.cache).toMatchObject({ hit: true, runId: retried.runId });
    expect(sim.calls).toHaveLength(2);
  });

  it('misses once the ttl has passed', async () => {
    const { sim, tag } = await k.cachedChain(300);
    await k.cachedRun(tag);
    const [key] = await k.cacheKeys();
    const redis = rawRedis();
    try {
      const pttl = await redis.pttl(key!);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(300);
    } finally {
      redis.disconnect();
    }
    // Redis expires the result on its own clock: wait for the key to be gone, not for a time.
    await until(async () => (await k.cacheKeys()).length === 0, 5_000, 'the cached result to expire');
    const after = await k.cachedRun(tag);
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
  });

  it('misses after the fallback definition changes (its version is part of the key)', async () => {
    const { sim, tag } = await k.cachedChain();
    await k.cachedRun(tag);
    expect((await k.cachedRun(tag)).cache?.hit).toBe(true);
    await k.backstop.fallback.update(tag, { description: 'x' });
    const after = await k.cachedRun(tag);
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
  });
});

describe('session identity in the cache key', () => {
  beforeEach(async () => {
    await k.backstop.session.define({ tag: 'user', secret: 'x'.repeat(32) });
  });

  const tokenFor = (sub: string, expiresIn: string) =>
    k.backstop.session.sign({ tag: 'user', claims: { sub }, expiresIn });
  const as = (token: string) => ({ session: { tag: 'user', token } });

  it("does not serve user A's cached result to user B", async () => {
    const { sim, tag } = await k.cachedChain();
    const a = await k.cachedRun(tag, as(await tokenFor('A', '1h')));
    const b = await k.cachedRun(tag, as(await tokenFor('B', '1h')));
    expect(b.cache?.hit).toBe(false);
    expect(b.result.id).not.toBe(a.result.id);
    expect(sim.calls).toHaveLength(2);
  });

  it("serves user A's cached result to user A's next token (other iat/exp)", async () => {
    const { sim, tag } = await k.cachedChain();
    const first = await tokenFor('A', '1h');
    const next = await tokenFor('A', '2h');
    const claims = [
      await k.backstop.session.verify({ tag: 'user', token: first }),
      await k.backstop.session.verify({ tag: 'user', token: next }),
    ];
    expect(claims[1]!.exp).not.toBe(claims[0]!.exp);
    const a1 = await k.cachedRun(tag, as(first));
    const a2 = await k.cachedRun(tag, as(next));
    expect(a2.cache).toMatchObject({ hit: true, runId: a1.runId });
    expect(a2.result).toEqual(a1.result);
    expect(sim.calls).toHaveLength(1);
  });
});

describe('dispatched jobs naming a cache', () => {
  it('a job is served a stored result without calling the provider', async () => {
    const { sim, tag } = await k.cachedChain();
    const stored = await k.cachedRun(tag);
    await k.backstop.worker({ healthchecks: false });
    const handle = await k.backstop.fallback.dispatch({ tag, input: INPUT, cache: CACHE });
    await k.backstop.jobs.wait(handle.id, { timeout: 10_000 });
    const view = await k.backstop.jobs.get(handle.id);
    expect(view.state).toBe('completed');
    expect(sim.calls).toHaveLength(1);
    expect(view.result).toEqual(stored.result);
    expect(view.provider).toBe(sim.name);
    expect(view.cache).toEqual({
      tag: CACHE,
      hit: true,
      storedAt: expect.any(String),
      runId: stored.runId,
    });
    expect(view.attempts).toEqual([
      expect.objectContaining({
        provider: sim.name,
        attempt: 0,
        outcome: 'success',
        cache: { tag: CACHE, storedAt: view.cache!.storedAt, runId: stored.runId },
      }),
    ]);
  });

  it("a job's success is stored and served to a later run", async () => {
    const { sim, tag } = await k.cachedChain();
    await k.backstop.worker({ healthchecks: false });
    const handle = await k.backstop.fallback.dispatch({ tag, input: INPUT, cache: CACHE });
    const view = await k.backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('completed');
    expect(view.cache).toEqual({ tag: CACHE, hit: false });
    const run = await k.cachedRun(tag);
    expect(run.cache?.hit).toBe(true);
    expect(run.result).toEqual(view.result);
    expect(sim.calls).toHaveLength(1);
  });
});
