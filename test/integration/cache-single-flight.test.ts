import { describe, expect, it, vi } from 'vitest';
import { type Backstop, FallbackExhaustedError, type RunReport } from '../../src/index.js';
import { useCacheKit } from '../helpers/cache-kit.js';
import { rejection } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

/** Concurrent identical cached runs share one provider call, in one process or across processes. */
const k = useCacheKit();

/** The one run that called the provider, after checking every report got its result. */
function theMiss(reports: RunReport[]): RunReport {
  const misses = reports.filter((r) => r.cache?.hit === false);
  expect(misses).toHaveLength(1);
  for (const r of reports) expect(r.result).toEqual(misses[0]!.result);
  for (const r of reports.filter((r) => r.cache?.hit)) expect(r.cache?.runId).toBe(misses[0]!.runId);
  return misses[0]!;
}

describe('single flight', () => {
  it('shares one provider call among 10 concurrent identical runs in one process', async () => {
    const { sim, tag } = await k.cachedChain();
    sim.next({ kind: 'stall', ms: 300 });
    const reports = await Promise.all(Array.from({ length: 10 }, () => k.cachedRun(tag)));
    expect(sim.calls).toHaveLength(1);
    theMiss(reports);
    expect(reports.filter((r) => r.cache?.hit === true)).toHaveLength(9);
    expect(new Set(reports.map((r) => r.runId)).size).toBe(10);
  });

  it('tells waiters in the same process the storedAt that the cache keeps', async () => {
    const { sim, tag } = await k.cachedChain();
    // Time moves on at every reading, so two readings of the clock never give the same instant.
    const realNow = Date.now.bind(Date);
    let last = realNow();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      last = Math.max(last + 1, realNow());
      return last;
    });
    try {
      sim.next({ kind: 'stall', ms: 300 });
      const reports = await Promise.all(Array.from({ length: 3 }, () => k.cachedRun(tag)));
      const later = await k.cachedRun(tag);
      expect(sim.calls).toHaveLength(1);
      const waiters = reports.filter((r) => r.cache?.hit);
      expect(waiters).toHaveLength(2);
      for (const r of waiters) expect(r.cache?.storedAt).toBe(later.cache?.storedAt);
    } finally {
      now.mockRestore();
    }
  });

  it('shares one provider call among concurrent runs of two processes', async () => {
    const { sim, tag } = await k.cachedChain();
    const other = testBackstop({ prefix: k.prefix });
    try {
      sim.next({ kind: 'stall', ms: 300 });
      const run = (b: Backstop) => k.cachedRun(tag, {}, b);
      const reports = await Promise.all([
        ...Array.from({ length: 5 }, () => run(k.backstop)),
        ...Array.from({ length: 5 }, () => run(other)),
      ]);
      expect(sim.calls).toHaveLength(1);
      theMiss(reports);
    } finally {
      await other.close();
    }
  });

  it('when the runner fails, it alone gets the error; the waiters contend again and one calls', async () => {
    // The first call never answers and times out; the calls after it succeed.
    const { sim, tag } = await k.cachedChain('10m', { timeout: 300 });
    sim.next({ kind: 'stall' });
    const first = k.cachedRun(tag);
    await until(() => sim.calls.length === 1, 5_000, 'the first call to reach the provider');
    const waiters = Array.from({ length: 9 }, () => k.cachedRun(tag));

    const error = await rejection(first);
    expect(error).toBeInstanceOf(FallbackExhaustedError);
    const reports: RunReport[] = await Promise.all(waiters);
    expect(sim.calls).toHaveLength(2);
    theMiss(reports);
    expect(reports.filter((r) => r.cache?.hit === true)).toHaveLength(8);
    for (const r of reports) expect(r.result.id).toBe('tx-2');
  });
});
