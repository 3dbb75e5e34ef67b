import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { ValidationError } from '../../src/index.js';
import { closeAfterEach } from '../helpers/close-after-each.js';
import { rejection } from '../helpers/http-chains.js';
import { rawRedis, redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

/**
 * Jobs go to a queue per product, or the queue their definition names; a worker takes the queues it
 * is given, or every queue, new ones included. Callers dispatch, get and wait as before.
 */
describe('named job queues', () => {
  const closeLater = closeAfterEach();
  const open = (prefix: string, product: string) => {
    const backstop = testBackstop({ prefix, product });
    closeLater(() => backstop.close());
    return backstop;
  };

  /** A chain in `product` answered in-process by `worker` (which names who ran it). */
  async function chain(b: Backstop, product: string, tag: string, queue?: string) {
    b.handlers.register(`${tag}-app`, 'send', async (_req, ctx) => ({ ran: ctx.product ?? product }));
    await b.fallback.define({
      product,
      tag,
      name: tag,
      ...(queue ? { queue } : {}),
      handler: (ctx) => void ctx.primary('p').app(`${tag}-app`).action('send'),
    });
  }

  it('puts each product’s jobs in its own queue, under its own hash tag, and one worker runs them all', async () => {
    const prefix = uniquePrefix();
    const b = open(prefix, 'payments');
    await chain(b, 'payments', 'charge');
    await chain(b, 'sms', 'text');
    const worker = await b.worker({ healthchecks: false });
    const charge = await b.fallback.dispatch({ tag: 'charge' });
    const text = await b.fallback.dispatch({ product: 'sms', tag: 'text' });
    expect(charge.id.startsWith('payments.')).toBe(true);
    expect(text.id.startsWith('sms.')).toBe(true);
    for (const id of [charge.id, text.id])
      expect((await b.jobs.wait(id, { timeout: 10_000 })).state).toBe('completed');
    expect(worker.queues).toEqual(['payments', 'sms']);
    const redis = rawRedis();
    try {
      const tag = prefix.slice(0, -1);
      expect(await redis.exists(`${tag}:jobs:payments}:payments:${charge.id}`)).toBe(1);
      expect(await redis.exists(`${tag}:jobs:sms}:sms:${text.id}`)).toBe(1);
    } finally {
      redis.disconnect();
    }
    expect((await b.jobs.list({ state: 'completed' })).map((j) => j.id).sort()).toEqual(
      [charge.id, text.id].sort(),
    );
  });

  it('sends a definition’s jobs to the queue it names, and a worker given queues takes only those', async () => {
    const prefix = uniquePrefix();
    const producer = open(prefix, 'shop');
    await chain(producer, 'shop', 'refund', 'slow-lane');
    await chain(producer, 'shop', 'order');
    const payments = open(prefix, 'shop');
    await chain(payments, 'shop', 'refund', 'slow-lane');
    await chain(payments, 'shop', 'order');
    const slowLane = await payments.worker({ healthchecks: false, queues: ['slow-lane'] });
    const refund = await producer.fallback.dispatch({ tag: 'refund' });
    const order = await producer.fallback.dispatch({ tag: 'order' });
    expect((await producer.jobs.wait(refund.id, { timeout: 10_000 })).state).toBe('completed');
    expect(slowLane.queues).toEqual(['slow-lane']);
    // The shop queue has no worker yet: its job waits, until one takes every queue.
    expect((await producer.jobs.get(order.id)).state).toBe('waiting');
    const all = await producer.worker({ healthchecks: false });
    expect((await producer.jobs.wait(order.id, { timeout: 10_000 })).state).toBe('completed');
    expect(all.queues).toEqual(['shop', 'slow-lane']);
  });

  it('a worker for every queue takes a queue first used after it started', async () => {
    const b = open(uniquePrefix(), 'late');
    await chain(b, 'late', 'ping');
    const worker = await b.worker({ healthchecks: false });
    expect(worker.queues).toEqual([]);
    const job = await b.fallback.dispatch({ tag: 'ping' });
    expect((await b.jobs.wait(job.id, { timeout: 10_000 })).state).toBe('completed');
    await until(() => worker.queues?.includes('late') === true, 5_000);
  });

  it('still runs jobs queued by earlier releases in the one shared queue', async () => {
    const prefix = uniquePrefix();
    const b = open(prefix, 'old');
    await chain(b, 'old', 'legacy');
    const legacy = new Queue('fallback-jobs', { connection: { url: redisUrl() }, prefix });
    try {
      const data = {
        v: 1,
        product: 'old',
        tag: 'legacy',
        env: 'prd',
        input: {},
        idempotencyKey: 'k1',
        dispatchedAt: Date.now(),
        runAt: Date.now(),
        version: 0,
      };
      const added = await legacy.add('legacy', data, { jobId: 'before-upgrade' });
      await b.worker({ healthchecks: false });
      expect((await b.jobs.wait(added.id!, { timeout: 10_000 })).state).toBe('completed');
    } finally {
      await legacy.close();
    }
  });

  it('refuses a reserved or malformed queue name, naming the field', async () => {
    const b = open(uniquePrefix(), 'p');
    const error = await rejection(
      b.fallback.define({ product: 'p', tag: 't', name: 't', queue: 'healthchecks', handler: () => {} }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('queue');
    const bad = await rejection(b.worker({ healthchecks: false, queues: ['a b'] }));
    expect((bad as ValidationError).issues[0]).toMatchObject({ path: 'queues' });
  });
});

describe('worker pools per queue from the environment', () => {
  it('takes BACKSTOP_QUEUES, which --queues overrides, and refuses a bad list naming its source', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const { workerSettings } = await import('../../src/worker-process.js');
    const config = loadConfig({ BACKSTOP_QUEUES: 'payments, sms' });
    expect(workerSettings(config).queues).toEqual(['payments', 'sms']);
    expect(workerSettings(config, undefined, 'sms').queues).toEqual(['sms']);
    expect(workerSettings(loadConfig({})).queues).toBeUndefined();
    expect(() => workerSettings(loadConfig({ BACKSTOP_QUEUES: ',' }))).toThrow(/env\.BACKSTOP_QUEUES/);
    expect(() => workerSettings(config, undefined, 'a b')).toThrow(/--queues/);
  });
});
