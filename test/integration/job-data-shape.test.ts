import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { JobHandle } from '../../src/index.js';
import { ownKeyOf, randomKey } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/store/keys.js';
import { callOf, useDispatchWorker, WAIT } from '../helpers/dispatch-kit.js';
import { rawRedis, testBackstop } from '../helpers/redis.js';

const QUEUE = 'my-product';

/**
 * What a dispatched job holds in Redis, read straight from its hash: nothing twice (v2 job data,
 * lean options), still run, shown and keyed as before; and jobs queued by the previous release, in
 * their full shape, still run on this worker.
 */
describe('job data as stored in Redis', () => {
  const { prefix, backstop, chains, oneProvider, once } = useDispatchWorker();
  const queuePrefix = () => new Keys(prefix).jobQueuePrefix(QUEUE);

  async function hashOf(id: string) {
    const redis = rawRedis();
    try {
      const hash = await redis.hgetall(`${queuePrefix()}:${QUEUE}:${id}`);
      return { name: hash.name, data: JSON.parse(hash.data ?? '{}'), opts: JSON.parse(hash.opts ?? '{}') };
    } finally {
      redis.disconnect();
    }
  }

  /** A chain whose primary is down: the job saves how far it got before it calls the fallback. */
  async function failingOver() {
    const primary = (await chains.provider('primary')).down();
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([chains.option(primary), chains.option(fallback)]);
    return { primary, fallback, tag };
  }

  it('stores a delayed job without what its own record says, and shows and runs it whole', async () => {
    const { sim, tag } = await oneProvider();
    const input = { amount: 4999, currency: 'EUR', customerId: 'cus_123' };
    const handle = await once({ tag, input, schedule: { delay: 300 } });
    const key = ownKeyOf(handle.id);
    expect(handle.id).toMatch(/^my-product\.[0-9A-Za-z]{21}$/);

    const stored = await hashOf(handle.id);
    expect(stored.data).toEqual({ v: 2, env: 'prd', input, version: expect.any(Number) });
    // No id, timestamp or default retry options: the hash and the worker have them (lean-queue.ts).
    expect(stored.opts).toEqual({ delay: 300 });
    expect(stored.name).toBe(tag);

    const seen = await backstop().jobs.get(handle.id);
    expect(seen).toMatchObject({ id: handle.id, tag, product: QUEUE, env: 'prd', state: 'delayed' });
    expect(seen.runAt).toBe(handle.runAt);
    expect(Date.parse(seen.runAt) - Date.parse(seen.dispatchedAt)).toBe(300);

    const done = await backstop().jobs.wait(handle.id, WAIT);
    expect(callOf(sim, done).idempotencyKey).toBe(`${key}:${done.provider}`);
  });

  it('keeps the data lean when a run saves how far it got, with every provider keyed from the id', async () => {
    const { primary, fallback, tag } = await failingOver();
    const handle = await once({ tag, input: { amount: 7 } });
    const done = await backstop().jobs.wait(handle.id, WAIT);
    expect(done.provider).toBe(fallback.name);

    const { data } = await hashOf(handle.id);
    expect(data.progress.attempts.length).toBeGreaterThan(0);
    for (const field of ['product', 'tag', 'dispatchedAt', 'runAt', 'idempotencyKey'])
      expect(data).not.toHaveProperty(field);
    const key = ownKeyOf(handle.id);
    expect(primary.idempotencyKeys.every((k) => k?.startsWith(`${key}:`))).toBe(true);
    expect(fallback.idempotencyKeys).toEqual([`${key}:${fallback.name}`]);
  });

  it("stores the key of a job the caller named, and the caller's own key as given", async () => {
    const { sim, tag } = await oneProvider();
    const named = await once({ tag, input: {}, jobId: `order-${randomUUID()}` });
    const ownKey = (await hashOf(named.id)).data.idempotencyKey;
    expect(ownKey).toMatch(/^[0-9A-Za-z]{21}$/);
    expect(callOf(sim, await backstop().jobs.wait(named.id, WAIT)).idempotencyKey).toBe(
      `${ownKey}:${sim.name}`,
    );

    const keyed = await once({ tag, input: {}, idempotencyKey: 'checkout-42' });
    expect((await hashOf(keyed.id)).data.idempotencyKey).toBe('checkout-42');
    expect(callOf(sim, await backstop().jobs.wait(keyed.id, WAIT)).idempotencyKey).toBe(
      `checkout-42:${sim.name}`,
    );
  });

  it('finds a job whose custom id looks like one of ours, without making a queue of what it names', async () => {
    const { tag } = await oneProvider();
    const jobId = `order.${randomKey()}`;
    await once({ tag, input: {}, jobId, schedule: { delay: 60_000 } });
    expect(await backstop().jobs.get(jobId)).toMatchObject({ id: jobId, tag, state: 'delayed' });
    const redis = rawRedis();
    try {
      expect(await redis.smembers(new Keys(prefix).jobQueues())).toEqual([QUEUE]);
    } finally {
      redis.disconnect();
    }
    await backstop().jobs.cancel(jobId);
  });

  it('runs a job the previous release queued, in its full shape and UUID id, keyed as it was', async () => {
    const { fallback, tag } = await failingOver();
    const id = `${QUEUE}.${randomUUID()}`;
    const now = Date.now();
    const old = {
      v: 1,
      product: QUEUE,
      tag,
      env: 'prd',
      input: { amount: 9 },
      idempotencyKey: randomUUID(),
      dispatchedAt: now,
      runAt: now + 200,
      version: 0,
    };
    // Exactly what that release's producer added: its id, timestamp, delay and retry options.
    const connection = rawRedis();
    const queue = new Queue(QUEUE, { connection, prefix: queuePrefix() });
    try {
      await queue.add(tag, old, {
        jobId: id,
        timestamp: now,
        delay: 200,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
      });
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const handle: Pick<JobHandle, 'id'> = { id };

    const done = await backstop().jobs.wait(handle.id, WAIT);
    expect(done).toMatchObject({ state: 'completed', tag, product: QUEUE, provider: fallback.name });
    expect(done.runAt).toBe(new Date(now + 200).toISOString());
    expect(done.dispatchedAt).toBe(new Date(now).toISOString());
    expect(fallback.idempotencyKeys).toEqual([`${old.idempotencyKey}:${fallback.name}`]);
    // Its progress was saved in the shape it came in.
    const { data } = await hashOf(id);
    expect(data).toMatchObject({ ...old, progress: { attempts: expect.any(Array) } });
  });

  it('stores jobs whole, as earlier releases did, with BACKSTOP_JOB_FORMAT=full (a rolling upgrade)', async () => {
    const { fallback, tag } = await failingOver();
    const producer = testBackstop({ prefix, processEnv: { ...process.env, BACKSTOP_JOB_FORMAT: 'full' } });
    try {
      const handle = (await producer.fallback.dispatch({
        tag,
        input: { amount: 11 },
        schedule: { delay: 300 },
      })) as JobHandle;
      const stored = await hashOf(handle.id);
      // Every field, as a worker of an earlier release requires (it fails `v: 2` data as invalid).
      expect(stored.data).toEqual({
        v: 1,
        product: QUEUE,
        tag,
        env: 'prd',
        input: { amount: 11 },
        idempotencyKey: ownKeyOf(handle.id),
        dispatchedAt: expect.any(Number),
        runAt: expect.any(Number),
        version: expect.any(Number),
      });
      expect(stored.data.runAt - stored.data.dispatchedAt).toBe(300);
      // Its retry options stored too: BullMQ's own Job class, which earlier releases read jobs
      // with, would otherwise give it one attempt.
      expect(stored.opts).toMatchObject({ delay: 300, attempts: 5, backoff: { type: 'exponential' } });

      const done = await backstop().jobs.wait(handle.id, WAIT);
      expect(done).toMatchObject({ state: 'completed', provider: fallback.name });
      // Its progress was saved whole too.
      const { data } = await hashOf(handle.id);
      expect(data).toMatchObject({ v: 1, product: QUEUE, tag, progress: { attempts: expect.any(Array) } });
    } finally {
      await producer.close();
    }
  });

  it('refuses an unknown job format, naming the setting', () => {
    expect(() => testBackstop({ processEnv: { ...process.env, BACKSTOP_JOB_FORMAT: 'tiny' } })).toThrow(
      /BACKSTOP_JOB_FORMAT/,
    );
  });
});
