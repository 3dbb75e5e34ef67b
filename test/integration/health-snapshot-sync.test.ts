import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { captureLogger, type LogLine } from '../helpers/capture-logger.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { PrefixWatch, resyncs, stateWriters, tracked } from '../helpers/snapshot-kit.js';
import { until } from '../helpers/until.js';

const PROVIDERS = Array.from({ length: 20 }, (_, i) => `p-${i}`);
const total = (caughtUp: Record<string, unknown>[]) => caughtUp.reduce((n, c) => n + Number(c.states), 0);

/**
 * Two processes (Backstops) following the provider states of one prefix; writes made with their
 * messages lost stand for what a process misses while its subscriber is down. Process `b` logs
 * each resync: how many states it read, and whether it read them all.
 */
describe('health snapshot kept in step across processes', () => {
  const prefix = uniquePrefix();
  const keys = new Keys(prefix);
  const lines: LogLine[] = [];
  const a = testBackstop({ prefix });
  const b = testBackstop({ prefix, logger: captureLogger(lines) });
  const redis = rawRedis();
  const write = stateWriters(prefix, redis);

  beforeAll(async () => {
    await Promise.all([a.health.drills(), b.health.drills()]); // connected: snapshots loaded
    for (const p of PROVIDERS) await write.eject(p);
    const allEjected = (x: typeof a) => PROVIDERS.every((p) => tracked(x)[p] === 'ejected');
    await until(() => allEjected(a) && allEjected(b));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    redis.disconnect();
  });

  it('an idle pair only checks the sequence and the drills version: no state or drill is read', async () => {
    const watch = await PrefixWatch.start(prefix);
    try {
      // A few check periods of both processes: each checks the sequence every second, drills every 5 s.
      await until(() => watch.count('get', ':drills-version') >= 2 && watch.count('get', ':health-seq') >= 6);
      expect(watch.commands.filter(([c]) => c?.toLowerCase() !== 'get')).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('a process that missed writes reads only the states written since, resets included', async () => {
    const from = lines.length;
    // What deleting a healthcheck or resetting a provider writes, with the messages lost.
    for (const p of ['p-1', 'p-2', 'p-3']) await write.resetLost(p);
    await until(() => ['p-1', 'p-2', 'p-3'].every((p) => tracked(b)[p] === 'unknown'));
    const { caughtUp, fullLoads } = resyncs(lines, from);
    expect(fullLoads).toEqual([]);
    expect(total(caughtUp)).toBe(3);
    expect(tracked(b)['p-4']).toBe('ejected');
  });

  it('a message that skips a number makes the process read the one it missed', async () => {
    const from = lines.length;
    await write.resetLost('p-4');
    await write.eject('p-1'); // published, one number after the lost one
    await until(() => tracked(b)['p-4'] === 'unknown' && tracked(b)['p-1'] === 'ejected');
    const { caughtUp, fullLoads } = resyncs(lines, from);
    expect(fullLoads).toEqual([]);
    expect(caughtUp.length).toBeGreaterThan(0);
    // The lost write and at most the one whose message told of the gap.
    expect(total(caughtUp)).toBeLessThanOrEqual(2);
  });

  it('a state written and then gone from Redis (expired) before the process caught up is forgotten', async () => {
    const from = lines.length;
    await write.resetLost('p-6');
    await redis.del(keys.providerState('my-product', 'prd', 'p-6'));
    await until(() => tracked(b)['p-6'] === undefined);
    const { caughtUp, fullLoads } = resyncs(lines, from);
    expect(fullLoads).toEqual([]);
    expect(total(caughtUp)).toBe(1);
  });

  it('a lost change log makes a process that missed writes read every state once', async () => {
    const from = lines.length;
    await write.resetLost('p-5');
    await redis.del(keys.healthChanges());
    await until(() => tracked(b)['p-5'] === 'unknown');
    const { caughtUp, fullLoads } = resyncs(lines, from);
    expect(caughtUp).toEqual([]);
    expect(fullLoads).toEqual([expect.objectContaining({ reason: 'change log missing', states: 19 })]);
  });

  it('a change log made again after the writes a process missed makes it read every state once', async () => {
    const from = lines.length;
    await write.ejectLost('p-5');
    await redis.del(keys.healthChanges());
    await write.ejectLost('p-7'); // the log begins again here: it cannot tell of p-5
    await until(() => tracked(b)['p-5'] === 'ejected');
    const { caughtUp, fullLoads } = resyncs(lines, from);
    expect(caughtUp).toEqual([]);
    expect(fullLoads).toEqual([expect.objectContaining({ reason: 'change log begins later', states: 19 })]);
  });

  it('after Redis lost the states (a flush), what Redis has replaces what each process had', async () => {
    const from = lines.length;
    const stale = await scanKeys(redis, `${keys.healthPrefix}:*`);
    await redis.del(...stale);
    // Numbers start again from 1: lower than the versions the processes hold.
    await write.eject('fresh');
    await until(() => Object.keys(tracked(b)).join() === 'fresh');
    expect(tracked(b)).toEqual({ fresh: 'ejected' });
    expect(resyncs(lines, from).fullLoads).toEqual([
      expect.objectContaining({ reason: 'sequence went back', states: 1 }),
    ]);
    // And it follows writes from the new numbers on.
    await write.resetLost('fresh');
    await until(() => tracked(b).fresh === 'unknown');
  });
});

async function scanKeys(redis: ReturnType<typeof rawRedis>, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}
