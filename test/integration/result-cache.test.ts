import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Backstop,
  FallbackExhaustedError,
  NotFoundError,
  type RunReport,
  ValidationError,
} from '../../src/index.js';
import { JOB_QUEUE } from '../../src/queue/job-data.js';
import { httpChains, rejection } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { sleep, until } from '../helpers/until.js';

// The result cache against a real Redis and real HTTP providers: every assertion about "the
// provider was (not) called" counts the calls the simulator actually received.

const CACHE = 'results';
const INPUT_SCHEMA = { amount: { type: 'number' }, currency: { type: 'string' } } as const;

let prefix: string;
let backstop: Backstop;
let chains: ReturnType<typeof httpChains>;

beforeEach(() => {
  prefix = uniquePrefix();
  backstop = testBackstop({ prefix });
  chains = httpChains(() => backstop);
});

afterEach(async () => {
  await chains.closeAll();
  await backstop.close();
});

/** A simulator whose every answer is distinct (`tx-<n>`), so a served result is recognisable. */
function numbered(sim: ProviderSimulator): ProviderSimulator {
  return sim.always({ kind: 'ok', body: () => ({ id: `tx-${sim.calls.length}`, status: 'succeeded' }) });
}

/** One provider behind a chain taking { amount, currency }, and a cache of ten minutes. */
async function cachedChain(ttl: number | string = '10m', extra: { timeout?: number } = {}) {
  const sim = numbered(await chains.provider('pay'));
  const tag = await chains.chain(
    [chains.option(sim, { input: { amount: '$Input{amount}', currency: '$Input{currency}' }, ...extra })],
    { input: INPUT_SCHEMA },
  );
  await backstop.cache.define({ tag: CACHE, ttl });
  return { sim, tag };
}

function issuePaths(error: unknown): string[] {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues.map((i) => i.path);
}

async function cacheKeys(): Promise<string[]> {
  const redis = rawRedis();
  try {
    const keys = await redis.keys(`${prefix}:cache:*`);
    return keys.filter((k) => !k.endsWith(':lock'));
  } finally {
    redis.disconnect();
  }
}

describe('cache.define, fetch, fetchAll, delete', () => {
  it('accepts a ttl in ms and as a duration, stored in ms', async () => {
    expect(await backstop.cache.define({ tag: 'short', ttl: 60_000 })).toMatchObject({
      tag: 'short',
      ttl: 60_000,
    });
    expect(await backstop.cache.define({ tag: 'long', ttl: '10m' })).toMatchObject({
      tag: 'long',
      ttl: 600_000,
    });
    expect(await backstop.cache.fetch('long')).toMatchObject({ tag: 'long', ttl: 600_000 });
  });

  it.each([['soon'], [0], [-1]])('refuses ttl %j with a ValidationError naming ttl', async (ttl) => {
    const error = await rejection(backstop.cache.define({ tag: 'bad', ttl }));
    expect(issuePaths(error)).toEqual(['ttl']);
    await expect(backstop.cache.fetch('bad')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a tag that is not a tag, naming tag', async () => {
    const error = await rejection(backstop.cache.define({ tag: 'not a tag!', ttl: '1m' }));
    expect(issuePaths(error)).toEqual(['tag']);
  });

  it('lists every cache type sorted by tag, and deletes one', async () => {
    await backstop.cache.define({ tag: 'b-cache', ttl: '1m' });
    await backstop.cache.define({ tag: 'a-cache', ttl: 1_000, description: 'short' });
    const all = await backstop.cache.fetchAll();
    expect(all.map((c) => [c.tag, c.ttl, c.description])).toEqual([
      ['a-cache', 1_000, 'short'],
      ['b-cache', 60_000, undefined],
    ]);
    await backstop.cache.delete('a-cache');
    expect((await backstop.cache.fetchAll()).map((c) => c.tag)).toEqual(['b-cache']);
    await expect(backstop.cache.fetch('a-cache')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('fetch and delete of an unknown tag reject with NotFoundError', async () => {
    await expect(backstop.cache.fetch('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(backstop.cache.delete('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('a run naming a cache', () => {
  const input = { amount: 5, currency: 'EUR' };

  it('misses first: calls the provider once and reports hit false', async () => {
    const { sim, tag } = await cachedChain();
    const report = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.body).toEqual(input);
    expect(report.cache).toEqual({ tag: CACHE, hit: false });
    expect(report.result).toMatchObject({ provider: sim.name, id: 'tx-1' });
  });

  it('hits the second time: no provider call, the same result, one attempt record from the cache', async () => {
    const { sim, tag } = await cachedChain();
    const first = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    const second = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
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

  it('misses for a different input', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input, cache: CACHE });
    const other = await backstop.fallback.runDetailed({
      tag,
      input: { amount: 6, currency: 'EUR' },
      cache: CACHE,
    });
    expect(other.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
  });

  it('hits for the same input with its keys in another order', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input: { amount: 5, currency: 'EUR' }, cache: CACHE });
    const reordered = await backstop.fallback.runDetailed({
      tag,
      input: { currency: 'EUR', amount: 5 },
      cache: CACHE,
    });
    expect(reordered.cache?.hit).toBe(true);
    expect(sim.calls).toHaveLength(1);
  });

  it('keeps envs apart: a result stored in prd is not served in stg', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.app.define({
      tag: sim.name,
      envs: { prd: { baseUrl: sim.url }, stg: { baseUrl: sim.url } },
      actions: { call: { method: 'POST', path: '/call' } },
    });
    const prd = await backstop.fallback.runDetailed({ env: 'prd', tag, input, cache: CACHE });
    const stg = await backstop.fallback.runDetailed({ env: 'stg', tag, input, cache: CACHE });
    expect(stg.cache?.hit).toBe(false);
    expect(stg.result.id).not.toBe(prd.result.id);
    expect(sim.calls).toHaveLength(2);
    const stgAgain = await backstop.fallback.runDetailed({ env: 'stg', tag, input, cache: CACHE });
    expect(stgAgain.cache).toMatchObject({ hit: true, runId: stg.runId });
    expect(sim.calls).toHaveLength(2);
  });

  it('without cache, always calls the provider and neither reads nor stores results', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input, cache: CACHE });
    const uncached = await backstop.fallback.runDetailed({ tag, input });
    expect(uncached.cache).toBeUndefined();
    expect(uncached.result.id).toBe('tx-2');
    await backstop.fallback.run({ tag, input });
    expect(sim.calls).toHaveLength(3);

    const fresh = { amount: 9, currency: 'USD' };
    await backstop.fallback.run({ tag, input: fresh });
    const afterUncached = await backstop.fallback.runDetailed({ tag, input: fresh, cache: CACHE });
    expect(afterUncached.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(5);
  });

  it('stores only successes: a failed run is not cached, the next run calls the provider', async () => {
    const { sim, tag } = await cachedChain();
    sim.down();
    await expect(backstop.fallback.run({ tag, input, cache: CACHE })).rejects.toBeInstanceOf(
      FallbackExhaustedError,
    );
    numbered(sim);
    const retried = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    expect(retried.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
    const hit = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    expect(hit.cache).toMatchObject({ hit: true, runId: retried.runId });
    expect(sim.calls).toHaveLength(2);
  });

  it('misses once the ttl has passed', async () => {
    const { sim, tag } = await cachedChain(300);
    await backstop.fallback.run({ tag, input, cache: CACHE });
    const [key] = await cacheKeys();
    const redis = rawRedis();
    try {
      const pttl = await redis.pttl(key!);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(300);
    } finally {
      redis.disconnect();
    }
    await sleep(300);
    await until(async () => (await cacheKeys()).length === 0, 5_000, 'the cached result to expire');
    const after = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
  });

  it('misses after the fallback definition changes (its version is part of the key)', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input, cache: CACHE });
    expect((await backstop.fallback.runDetailed({ tag, input, cache: CACHE })).cache?.hit).toBe(true);
    await backstop.fallback.update(tag, { description: 'x' });
    const after = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(2);
  });
});

describe('session identity in the cache key', () => {
  const input = { amount: 5, currency: 'EUR' };

  beforeEach(async () => {
    await backstop.session.define({ tag: 'user', secret: 'x'.repeat(32) });
  });

  const tokenFor = (sub: string, expiresIn: string) =>
    backstop.session.sign({ tag: 'user', claims: { sub }, expiresIn });

  it("does not serve user A's cached result to user B", async () => {
    const { sim, tag } = await cachedChain();
    const a = await backstop.fallback.runDetailed({
      tag,
      input,
      cache: CACHE,
      session: { tag: 'user', token: await tokenFor('A', '1h') },
    });
    const b = await backstop.fallback.runDetailed({
      tag,
      input,
      cache: CACHE,
      session: { tag: 'user', token: await tokenFor('B', '1h') },
    });
    expect(b.cache?.hit).toBe(false);
    expect(b.result.id).not.toBe(a.result.id);
    expect(sim.calls).toHaveLength(2);
  });

  it("serves user A's cached result to user A's next token (other iat/exp)", async () => {
    const { sim, tag } = await cachedChain();
    const first = await tokenFor('A', '1h');
    const next = await tokenFor('A', '2h');
    const claims = [
      await backstop.session.verify({ tag: 'user', token: first }),
      await backstop.session.verify({ tag: 'user', token: next }),
    ];
    expect(claims[1]!.exp).not.toBe(claims[0]!.exp);
    const a1 = await backstop.fallback.runDetailed({
      tag,
      input,
      cache: CACHE,
      session: { tag: 'user', token: first },
    });
    const a2 = await backstop.fallback.runDetailed({
      tag,
      input,
      cache: CACHE,
      session: { tag: 'user', token: next },
    });
    expect(a2.cache).toMatchObject({ hit: true, runId: a1.runId });
    expect(a2.result).toEqual(a1.result);
    expect(sim.calls).toHaveLength(1);
  });
});

describe('single flight', () => {
  const input = { amount: 5, currency: 'EUR' };

  it('shares one provider call among 10 concurrent identical runs in one process', async () => {
    const { sim, tag } = await cachedChain();
    sim.next({ kind: 'stall', ms: 300 });
    const reports = await Promise.all(
      Array.from({ length: 10 }, () => backstop.fallback.runDetailed({ tag, input, cache: CACHE })),
    );
    expect(sim.calls).toHaveLength(1);
    const misses = reports.filter((r) => r.cache?.hit === false);
    const hits = reports.filter((r) => r.cache?.hit === true);
    expect(misses).toHaveLength(1);
    expect(hits).toHaveLength(9);
    for (const r of reports) expect(r.result).toEqual(misses[0]!.result);
    for (const r of hits) expect(r.cache?.runId).toBe(misses[0]!.runId);
    expect(new Set(reports.map((r) => r.runId)).size).toBe(10);
  });

  it('tells waiters in the same process the storedAt that the cache keeps', async () => {
    const { sim, tag } = await cachedChain();
    // Time moves on at every reading, so two readings of the clock never give the same instant.
    const realNow = Date.now.bind(Date);
    let last = realNow();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      last = Math.max(last + 1, realNow());
      return last;
    });
    try {
      sim.next({ kind: 'stall', ms: 300 });
      const reports = await Promise.all(
        Array.from({ length: 3 }, () => backstop.fallback.runDetailed({ tag, input, cache: CACHE })),
      );
      const later = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
      expect(sim.calls).toHaveLength(1);
      const waiters = reports.filter((r) => r.cache?.hit);
      expect(waiters).toHaveLength(2);
      for (const r of waiters) expect(r.cache?.storedAt).toBe(later.cache?.storedAt);
    } finally {
      now.mockRestore();
    }
  });

  it('shares one provider call among concurrent runs of two processes', async () => {
    const { sim, tag } = await cachedChain();
    const other = testBackstop({ prefix });
    try {
      sim.next({ kind: 'stall', ms: 300 });
      const run = (b: Backstop) => b.fallback.runDetailed({ tag, input, cache: CACHE });
      const reports = await Promise.all([
        ...Array.from({ length: 5 }, () => run(backstop)),
        ...Array.from({ length: 5 }, () => run(other)),
      ]);
      expect(sim.calls).toHaveLength(1);
      const misses = reports.filter((r) => r.cache?.hit === false);
      expect(misses).toHaveLength(1);
      for (const r of reports) expect(r.result).toEqual(misses[0]!.result);
      for (const r of reports.filter((r) => r.cache?.hit)) expect(r.cache?.runId).toBe(misses[0]!.runId);
    } finally {
      await other.close();
    }
  });

  it('when the runner fails, it alone gets the error; the waiters contend again and one calls', async () => {
    // The first call never answers and times out; the calls after it succeed.
    const { sim, tag } = await cachedChain('10m', { timeout: 300 });
    sim.next({ kind: 'stall' });
    const run = () => backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    const first = run();
    await until(() => sim.calls.length === 1, 5_000, 'the first call to reach the provider');
    const waiters = Array.from({ length: 9 }, run);

    const error = await rejection(first);
    expect(error).toBeInstanceOf(FallbackExhaustedError);
    const reports: RunReport[] = await Promise.all(waiters);
    expect(sim.calls).toHaveLength(2);
    const misses = reports.filter((r) => r.cache?.hit === false);
    expect(misses).toHaveLength(1);
    expect(reports.filter((r) => r.cache?.hit === true)).toHaveLength(8);
    for (const r of reports) {
      expect(r.result).toEqual(misses[0]!.result);
      expect(r.result.id).toBe('tx-2');
    }
  });
});

describe('cache tags that are not defined', () => {
  const input = { amount: 5, currency: 'EUR' };

  it('a run naming an undefined cache is refused, naming cache, and calls nothing', async () => {
    const { sim, tag } = await cachedChain();
    const error = await rejection(backstop.fallback.run({ tag, input, cache: 'no-such-cache' }));
    expect(issuePaths(error)).toEqual(['cache']);
    expect(sim.calls).toHaveLength(0);
  });

  it('a run naming a deleted cache is refused and its stored result is not served', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input, cache: CACHE });
    await backstop.cache.delete(CACHE);
    const error = await rejection(backstop.fallback.run({ tag, input, cache: CACHE }));
    expect(issuePaths(error)).toEqual(['cache']);
    expect(sim.calls).toHaveLength(1);
  });

  it('a dispatch naming an undefined cache is refused and nothing is queued', async () => {
    const { tag } = await cachedChain();
    const connection = rawRedis();
    const queue = new Queue(JOB_QUEUE, { connection, prefix });
    try {
      const error = await rejection(backstop.fallback.dispatch({ tag, input, cache: 'no-such-cache' }));
      expect(issuePaths(error)).toEqual(['cache']);
      expect(await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized')).toEqual({
        waiting: 0,
        delayed: 0,
        active: 0,
        prioritized: 0,
      });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

describe('dispatched jobs naming a cache', () => {
  const input = { amount: 5, currency: 'EUR' };

  it('a job is served a stored result without calling the provider', async () => {
    const { sim, tag } = await cachedChain();
    const stored = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    await backstop.worker({ healthchecks: false });
    const handle = await backstop.fallback.dispatch({ tag, input, cache: CACHE });
    await backstop.jobs.wait(handle.id, { timeout: 10_000 });
    const view = await backstop.jobs.get(handle.id);
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
    const { sim, tag } = await cachedChain();
    await backstop.worker({ healthchecks: false });
    const handle = await backstop.fallback.dispatch({ tag, input, cache: CACHE });
    const view = await backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('completed');
    expect(view.cache).toEqual({ tag: CACHE, hit: false });
    const run = await backstop.fallback.runDetailed({ tag, input, cache: CACHE });
    expect(run.cache?.hit).toBe(true);
    expect(run.result).toEqual(view.result);
    expect(sim.calls).toHaveLength(1);
  });
});

describe('deleting cached results', () => {
  it('cache.clear deletes the fallback’s stored results, returns how many, and the next run misses', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input: { amount: 1, currency: 'EUR' }, cache: CACHE });
    await backstop.fallback.run({ tag, input: { amount: 2, currency: 'EUR' }, cache: CACHE });
    expect(await backstop.cache.clear({ tag })).toBe(2);
    expect(await backstop.cache.clear({ tag })).toBe(0);
    const after = await backstop.fallback.runDetailed({
      tag,
      input: { amount: 1, currency: 'EUR' },
      cache: CACHE,
    });
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(3);
  });

  it('cache.clear refuses a tag that is not a tag: a glob would reach other fallbacks’ results', async () => {
    const { tag } = await cachedChain();
    await backstop.fallback.run({ tag, input: { amount: 1, currency: 'EUR' }, cache: CACHE });
    const error = await rejection(backstop.cache.clear({ tag: '*' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['tag']);
    expect(await backstop.cache.clear({ tag })).toBe(1);
  });

  it('processor reset deletes the cached results in that env and the next run misses', async () => {
    const { sim, tag } = await cachedChain();
    await backstop.fallback.run({ tag, input: { amount: 1, currency: 'EUR' }, cache: CACHE });
    await backstop.fallback.run({ tag, input: { amount: 2, currency: 'EUR' }, cache: CACHE });
    const reset = await backstop.processor.fallback.run({
      env: 'prd',
      product_tag: 'my-product',
      fallback_tag: tag,
      action: 'reset',
    });
    expect(reset).toEqual({ action: 'reset', env: 'prd', providers: [sim.name], cacheEntries: 2 });
    const after = await backstop.fallback.runDetailed({
      tag,
      input: { amount: 2, currency: 'EUR' },
      cache: CACHE,
    });
    expect(after.cache?.hit).toBe(false);
    expect(sim.calls).toHaveLength(3);
  });
});
