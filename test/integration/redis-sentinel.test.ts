import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type LocalSentinelGroup, startLocalSentinelGroup } from '../helpers/redis-topologies.js';
import { type TopologyScenario, topologyScenario } from '../helpers/topology-scenario.js';
import { until } from '../helpers/until.js';

/**
 * The documented subset (docs/operations.md, "Redis Sentinel") through a `redis+sentinel://` URL,
 * across a forced failover (`SENTINEL FAILOVER`): what was written before it is read after it,
 * and every step after it works on the new master, the worker's blocking connections included.
 * Reads made all through it succeed: each waits for the connection's reconnects.
 */
describe('on a Sentinel group, through a forced failover', () => {
  let group: LocalSentinelGroup;
  let scenario: TopologyScenario;

  beforeAll(async () => {
    group = await startLocalSentinelGroup();
    scenario = await topologyScenario(group.url);
    await scenario.backstop.worker();
  }, 60_000);
  afterAll(async () => {
    await scenario?.close();
    await group?.stop();
  }, 30_000);

  it('defines, runs and fails over before the failover', async () => {
    await scenario.defineChain();
    await scenario.runFailsOver();
    await scenario.dispatchedJobsRun();
  });

  it('follows the new master: reads go on through the failover, definitions written before are read, runs, jobs and probes go on', async () => {
    const { backstop } = scenario;
    const redis = await backstop.redis();
    const before = await redis.info('server');
    const { id } = await backstop.fallback.dispatch({
      tag: 'pay',
      input: {},
      schedule: { delay: 3_600_000 },
    });
    let reconnects = 0;
    const counted = () => void reconnects++;
    redis.on('ready', counted);
    // Reads from just before the failover until the connection has settled on the new master: a
    // job, a definition with its providers' state, the workers' heartbeats.
    const reader = readContinuously(() =>
      Promise.all([backstop.jobs.get(id), backstop.fallback.fetch('pay'), backstop.jobs.workers()]),
    );
    onTestFinished(() => void reader.stop());
    const port = await group.failover();
    expect(before).not.toContain(`tcp_port:${port}`);
    // The sentinels announce the switch; the store's connection follows it to the new master.
    await until(
      async () => (await redis.info('server').catch(() => '')).includes(`tcp_port:${port}`),
      20_000,
    );
    // Every sentinel's announcement makes ioredis reconnect once more (its failover detector).
    // Reads wait for each reconnect; writes fail fast through it, so the steps below, which
    // write, start when the connection has answered without a break for a second.
    await until(async () => steadyFor(redis, 1_000), 30_000, 'the connection to settle');
    const read = await reader.stop();
    redis.off('ready', counted);
    console.log(
      `reads through the failover: ${read.rounds} rounds over ${reconnects} reconnects, slowest ${read.slowestMs} ms`,
    );
    expect(reconnects).toBeGreaterThan(0);
    expect(read.errors).toEqual([]);
    await scenario.runFailsOver();
    expect(await scenario.backstop.fallback.fetch('pay')).toMatchObject({ tag: 'pay' });
    await scenario.dispatchedJobsRun();
    await scenario.healthchecksMark();
  }, 90_000);

  it(
    'caches with single flight and clears after the failover',
    () => scenario.cacheSharesAndClears(),
    30_000,
  );

  it("resets through the processor's reset after the failover", () => scenario.processorResets());
});

/** Whether `redis` answers every ping over `ms` (a call failing in the middle says it reconnected). */
async function steadyFor(redis: { ping(): Promise<string> }, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await redis.ping().catch(() => '')) !== 'PONG') return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Runs `read` again and again until stopped; what failed (by code), how many rounds, the slowest. */
function readContinuously(read: () => Promise<unknown>) {
  let reading = true;
  const errors: string[] = [];
  let rounds = 0;
  let slowestMs = 0;
  const loop = (async () => {
    while (reading) {
      const start = Date.now();
      await read().then(
        () => void rounds++,
        (error: { code?: string; message?: string }) => void errors.push(error.code ?? String(error.message)),
      );
      slowestMs = Math.max(slowestMs, Date.now() - start);
      // A read refused without I/O settles in a microtask: yield, or the loop would starve timers.
      await new Promise((next) => setImmediate(next));
    }
  })();
  return {
    async stop() {
      reading = false;
      await loop;
      return { errors, rounds, slowestMs };
    },
  };
}
