import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHashCounts } from '../../src/redis/hash-counts.js';
import { scanKeys } from '../../src/redis/redis-client.js';
import { groupBySlot } from '../../src/redis/slot-groups.js';
import { type LocalCluster, startLocalCluster } from '../helpers/redis-topologies.js';
import { type TopologyScenario, topologyScenario } from '../helpers/topology-scenario.js';
import { until } from '../helpers/until.js';

/**
 * The documented subset (docs/operations.md, "Redis Cluster") on a local 3-master Redis Cluster the
 * test starts: through a `redis+cluster://` URL, and through an ioredis `Cluster` passed as `redis`.
 */
describe('on a 3-master Redis Cluster', () => {
  let cluster: LocalCluster;
  let scenario: TopologyScenario;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    scenario = await topologyScenario(cluster.url);
    await scenario.backstop.worker();
  }, 60_000);
  afterAll(async () => {
    await scenario?.close();
    await cluster?.stop();
  }, 30_000);

  it('defines, runs and fails over', async () => {
    await scenario.defineChain();
    await scenario.runFailsOver();
  });

  it('runs dispatched jobs with delay and at in a worker', () => scenario.dispatchedJobsRun());

  it('probes providers on schedule and skips the unhealthy one', () => scenario.healthchecksMark(), 60_000);

  it('shares one provider call among identical cached runs, and cache.clear finds every entry', () =>
    scenario.cacheSharesAndClears());

  it("resets tracked state and cached results through the processor's reset", () =>
    scenario.processorResets());

  it('runs two products’ queues (other slots) in one worker, each job with its log', async () => {
    const b = scenario.backstop;
    await b.fallback.create({
      product: 'other',
      name: 'Pay',
      tag: 'pay',
      options: [{ type: 'action', app: 'paypal', event: 'charge', retries: 0 }],
    });
    const [mine, other] = await Promise.all([
      b.fallback.dispatch({ tag: 'pay' }),
      b.fallback.dispatch({ product: 'other', tag: 'pay' }),
    ]);
    for (const job of [mine, other])
      expect((await b.jobs.wait(job.id, { timeout: 20_000 })).state).toBe('completed');
    const logs = async (queue: string, id: string) => (await (await b.jobQueue(queue)).getJobLogs(id)).logs;
    await until(
      async () =>
        (await logs('other', other.id)).length > 0 && (await logs('my-product', mine.id)).length > 0,
      10_000,
    );
  });

  it('keeps definitions, health and each product’s cache in slots of their own', async () => {
    const client = (await scenario.backstop.redis()) as Cluster;
    const tag = scenario.prefix.slice(0, -1); // `{bt-…`: every area's tag starts so
    const keys = await scanKeys(client, `${tag}*`);
    const slots = new Set(await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key))));
    expect(slots.size).toBeGreaterThanOrEqual(3);
  });

  it('writes counted batches (history, quota uses) in one script call per hash tag', async () => {
    const client = (await scenario.backstop.redis()) as Cluster;
    const area = (name: string) => `${scenario.prefix.slice(0, -1)}:${name}}`;
    const keys = [`${area('a')}:1`, `${area('b')}:1`, `${area('a')}:2`, `${scenario.prefix}:counts`];
    const batch = keys.map((key) => [key, new Map([['n', 1]])] as const);
    // One call across slots is refused: why a batch is split.
    await expect(addHashCounts(client, batch)).rejects.toThrow(/CROSSSLOT|same slot/);
    const groups = groupBySlot(client, batch, ([key]) => key);
    expect(groups.map((group) => group.map(([key]) => key))).toEqual([
      [keys[0], keys[2]],
      [keys[1]],
      [keys[3]],
    ]);
    await Promise.all(groups.map((group) => addHashCounts(client, group, 60_000)));
    for (const key of keys) expect(await client.hget(key, 'n')).toBe('1');
  });

  it('takes an ioredis Cluster client, and makes its workers’ blocking connections from it', async () => {
    const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    const other = await topologyScenario(client);
    try {
      await other.backstop.worker({ healthchecks: false });
      await other.defineChain();
      await other.dispatchedJobsRun();
    } finally {
      await other.close();
      client.disconnect();
    }
  }, 60_000);
});
