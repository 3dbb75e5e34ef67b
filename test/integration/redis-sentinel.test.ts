import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSentinelGroup, startLocalSentinelGroup } from '../helpers/redis-topologies.js';
import { type TopologyScenario, topologyScenario } from '../helpers/topology-scenario.js';
import { until } from '../helpers/until.js';

/**
 * The documented subset (docs/operations.md, "Redis Sentinel") through a `redis+sentinel://` URL,
 * across a forced failover (`SENTINEL FAILOVER`): what was written before it is read after it,
 * and every step after it works on the new master, the worker's blocking connections included.
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

  it('follows the new master: definitions written before are read, runs, jobs and probes go on', async () => {
    const before = await (await scenario.backstop.redis()).info('server');
    const port = await group.failover();
    expect(before).not.toContain(`tcp_port:${port}`);
    // The sentinels announce the switch; the store's connection follows it to the new master.
    const redis = await scenario.backstop.redis();
    await until(
      async () => (await redis.info('server').catch(() => '')).includes(`tcp_port:${port}`),
      20_000,
    );
    // Every sentinel's announcement makes ioredis reconnect once more (its failover detector):
    // the calls below start when the connection has answered without a break for a second.
    await until(async () => steadyFor(redis, 1_000), 30_000, 'the connection to settle');
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
