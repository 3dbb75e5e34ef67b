import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Backstop,
  type BackstopError,
  type DispatchParams,
  ErrorCodes,
  ValidationError,
} from '../../src/index.js';
import { Keys } from '../../src/store/keys.js';
import { httpChains, rejection } from '../helpers/http-chains.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';

// Dispatch validates everything (tag, input, schedule, job id) before it queues anything, and it
// needs no worker: these tests run the producer alone and look at the queue with BullMQ itself.

/** A chain of one provider taking { amount }, in each describe's own prefix. */
const tag = 'payments';

/** For the describe: a Backstop producing on a fresh prefix (no worker), and its job queue read with BullMQ. */
function useProducer(): { readonly backstop: Backstop; readonly queue: Queue } {
  const prefix = uniquePrefix();
  let state: { backstop: Backstop; queue: Queue; connection: Redis } | undefined;
  const { provider, option, closeAll } = httpChains(() => state!.backstop);
  beforeAll(async () => {
    const connection = rawRedis();
    state = {
      backstop: testBackstop({ prefix }),
      connection,
      // The test product's named queue, where its dispatches would go.
      queue: new Queue('my-product', { connection, prefix: new Keys(prefix).jobQueuePrefix('my-product') }),
    };
    const sim = await provider('pay');
    await state.backstop.fallback.create({
      name: 'Payments',
      tag,
      input: { amount: { type: 'number' } },
      options: [option(sim)],
    });
  });
  afterAll(async () => {
    await state?.backstop.close();
    await state?.queue.close();
    state?.connection.disconnect();
    await closeAll();
  });
  return {
    get backstop() {
      return state!.backstop;
    },
    get queue() {
      return state!.queue;
    },
  };
}

describe('fallback.dispatch: validation before anything is queued', () => {
  const p = useProducer();

  afterEach(async () => {
    // Every test must leave the queue as it found it: empty, without job schedulers. It is emptied
    // either way, so that one test queueing by mistake does not fail the ones after it.
    const counts = await p.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    const schedulers = await p.queue.getJobSchedulersCount();
    await p.queue.obliterate({ force: true });
    expect(counts).toEqual({ waiting: 0, delayed: 0, active: 0, prioritized: 0 });
    expect(schedulers).toBe(0);
  });

  async function validationIssues(params: unknown): Promise<string[]> {
    const error = await rejection(p.backstop.fallback.dispatch(params as DispatchParams));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(ErrorCodes.VALIDATION);
    return (error as ValidationError).issues.map((i) => i.path);
  }

  it('refuses an unknown tag with a not-found error naming the tag and the product', async () => {
    const error = (await rejection(
      p.backstop.fallback.dispatch({ tag: 'no-such-chain', input: {}, schedule: { delay: 1_000 } }),
    )) as BackstopError;
    expect(error.code).toBe(ErrorCodes.NOT_FOUND);
    expect(error.message).toContain('no-such-chain');
    expect(error.message).toContain('my-product');
  });

  it('refuses a known tag in another product as not found', async () => {
    const error = (await rejection(
      p.backstop.fallback.dispatch({ product: 'other-product', tag, input: { amount: 1 } }),
    )) as BackstopError;
    expect(error.code).toBe(ErrorCodes.NOT_FOUND);
    expect(error.message).toContain('other-product');
  });

  it('refuses input of the wrong type, naming input.amount and what was expected', async () => {
    const error = (await rejection(
      p.backstop.fallback.dispatch({ tag, input: { amount: 'ten' }, schedule: { delay: 1_000 } }),
    )) as ValidationError;
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.issues).toEqual([{ path: 'input.amount', message: 'expected number, received string' }]);
  });

  it('refuses input missing a required field', async () => {
    expect(await validationIssues({ tag, input: {} })).toEqual(['input.amount']);
  });

  it('refuses a past `at`, naming schedule.at and suggesting allowPast', async () => {
    const error = (await rejection(
      p.backstop.fallback.dispatch({
        tag,
        input: { amount: 1 },
        schedule: { at: new Date(Date.now() - 5_000) },
      }),
    )) as ValidationError;
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.issues.map((i) => i.path)).toEqual(['schedule.at']);
    expect(error.message).toContain('allowPast');
  });

  it('queues a past `at` with allowPast: true to run at once', async () => {
    const before = Date.now();
    const handle = await p.backstop.fallback.dispatch({
      tag,
      input: { amount: 1 },
      schedule: { at: new Date(before - 3_600_000), allowPast: true },
    });
    expect(handle.state).toBe('waiting');
    expect(Date.parse(handle.runAt)).toBeGreaterThanOrEqual(before);
    expect(await p.backstop.jobs.get(handle.id)).toMatchObject({ state: 'waiting' });
    await p.backstop.jobs.cancel(handle.id);
  });

  it('queues a valid delayed dispatch without any worker, returning its handle', async () => {
    const before = Date.now();
    const handle = await p.backstop.fallback.dispatch({
      tag,
      input: { amount: 1 },
      schedule: { delay: '10m' },
    });
    expect(handle).toMatchObject({ tag, product: 'my-product', env: 'prd', state: 'delayed' });
    expect(typeof handle.id).toBe('string');
    expect(Date.parse(handle.runAt)).toBeGreaterThanOrEqual(before + 600_000);
    expect(handle.existing).toBeUndefined();
    expect(await p.backstop.jobs.cancel(handle.id)).toMatchObject({ id: handle.id, state: 'cancelled' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a naive ISO `at` without tz', { at: '2030-06-01T09:00:00' }, 'schedule.at'],
    ['an unparseable `at`', { at: 'next tuesday', tz: 'UTC' }, 'schedule.at'],
    ['a number as `at`', { at: Date.now() + 60_000 }, 'schedule.at'],
    ['an unknown time zone', { at: '2030-06-01T09:00:00', tz: 'Atlantis/Capital' }, 'schedule.tz'],
    ['delay and at at once', { delay: 1_000, at: new Date(Date.now() + 60_000) }, 'schedule'],
    ['cron and every at once', { cron: '0 9 * * *', every: 60_000 }, 'schedule'],
    ['a malformed cron pattern', { cron: 'every morning' }, 'schedule.cron'],
    ['a cron pattern with out-of-range fields', { cron: '61 25 * * *' }, 'schedule.cron'],
    ['a bad duration string', { delay: '5 parsecs' }, 'schedule.delay'],
    ['a negative delay', { delay: -1 }, 'schedule.delay'],
    ['a zero interval', { every: '0s' }, 'schedule.every'],
    ['a misspelt field (which must not mean "now")', { dealy: 5_000 }, 'schedule.dealy'],
    ["bullmq's removed `repeat` option", { repeat: { every: 1_000 } }, 'schedule.repeat'],
  ])('refuses %s, naming %s', async (_, schedule, path) => {
    expect(await validationIssues({ tag, input: { amount: 1 }, schedule })).toContain(path);
  });

  it('refuses a schedule that is not an object', async () => {
    expect(await validationIssues({ tag, input: { amount: 1 }, schedule: '5s' })).toEqual(['schedule']);
  });

  it.each(['order:42', '12345', 'has space', ''])('refuses the job id %j', async (jobId) => {
    expect(await validationIssues({ tag, input: { amount: 1 }, jobId, schedule: { delay: 1_000 } })).toEqual([
      'jobId',
    ]);
  });

  it('refuses a job id with ":" for a recurring schedule too', async () => {
    expect(
      await validationIssues({ tag, input: { amount: 1 }, jobId: 'a:b', schedule: { every: 1_000 } }),
    ).toEqual(['jobId']);
  });

  it('refuses unknown top-level fields (a `delay` outside `schedule`)', async () => {
    const error = (await rejection(
      p.backstop.fallback.dispatch({ tag, input: { amount: 1 }, delay: 5_000 } as DispatchParams),
    )) as ValidationError;
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toEqual({ path: 'delay', message: 'unknown field' });
  });

  it('refuses a missing tag and a non-object input', async () => {
    expect(await validationIssues({ input: { amount: 1 } })).toEqual(['tag']);
    expect(await validationIssues({ tag, input: [1, 2] })).toEqual(['input']);
  });
});

describe('fallback.dispatchBulk: one bad item queues none', () => {
  const p = useProducer();

  afterEach(async () => {
    const counts = await p.queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  const item = (n: number, extra: Partial<DispatchParams> = {}): DispatchParams => ({
    tag,
    input: { amount: n },
    jobId: `bulk-${n}`,
    schedule: { delay: 60_000 },
    ...extra,
  });

  async function bulkIssues(list: unknown): Promise<string[]> {
    const error = await rejection(p.backstop.fallback.dispatchBulk(list as DispatchParams[]));
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => i.path);
  }

  async function expectNotQueued(ids: string[]): Promise<void> {
    for (const id of ids) {
      const error = (await rejection(p.backstop.jobs.get(id))) as BackstopError;
      expect(error.code).toBe(ErrorCodes.NOT_FOUND);
    }
  }

  it('names the bad item by its index ([2].input.amount) and queues none', async () => {
    const list = [item(0), item(1), item(2, { input: { amount: 'two' } }), item(3)];
    expect(await bulkIssues(list)).toEqual(['[2].input.amount']);
    await expectNotQueued(['bulk-0', 'bulk-1', 'bulk-2', 'bulk-3']);
  });

  it('names a bad schedule or job id by its index', async () => {
    expect(await bulkIssues([item(0), item(1, { schedule: { delay: 'soon' } })])).toEqual([
      '[1].schedule.delay',
    ]);
    expect(await bulkIssues([item(0, { jobId: '42' }), item(1)])).toEqual(['[0].jobId']);
    expect(await bulkIssues([item(0), item(1, { schedule: { at: new Date(Date.now() - 1_000) } })])).toEqual([
      '[1].schedule.at',
    ]);
    await expectNotQueued(['bulk-0', 'bulk-1']);
  });

  it('refuses recurring schedules in a bulk', async () => {
    expect(await bulkIssues([item(0), item(1, { schedule: { every: 1_000 }, jobId: 'bulk-every' })])).toEqual(
      ['[1].schedule'],
    );
    expect(await p.queue.getJobSchedulersCount()).toBe(0);
    await expectNotQueued(['bulk-0']);
  });

  it('refuses an unknown tag anywhere in the bulk, queueing none', async () => {
    const error = (await rejection(
      p.backstop.fallback.dispatchBulk([item(0), { ...item(1), tag: 'no-such-chain' }]),
    )) as BackstopError;
    expect(error.code).toBe(ErrorCodes.NOT_FOUND);
    expect(error.message).toContain('no-such-chain');
    await expectNotQueued(['bulk-0']);
  });

  it('refuses something other than an array', async () => {
    expect(await bulkIssues({ tag })).toEqual(['(root)']);
  });

  it('queues a valid bulk, then cancels it', async () => {
    const handles = await p.backstop.fallback.dispatchBulk([item(0), item(1), item(2)]);
    expect(handles.map((h) => [h.id, h.state])).toEqual([
      ['bulk-0', 'delayed'],
      ['bulk-1', 'delayed'],
      ['bulk-2', 'delayed'],
    ]);
    for (const h of handles) await p.backstop.jobs.cancel(h.id);
  });
});
