import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type BackstopError, ErrorCodes } from '../../src/index.js';
import { expectFailedForGood } from '../helpers/bullmq-jobs.js';
import { useDispatchWorker, WAIT } from '../helpers/dispatch-kit.js';
import { rejection } from '../helpers/http-chains.js';

/** Jobs run by a worker process: one per jobId, in bulk, cancelled, waited for, seen once finished, failed for good. */
describe('dispatched jobs run by a worker process', () => {
  const { prefix, backstop, chains, oneProvider, once, idle } = useDispatchWorker();

  it('returns the existing job for a repeated jobId, and calls the provider once', async () => {
    const { sim, tag } = await oneProvider();
    const jobId = `order-${randomUUID()}`;
    const first = await once({ tag, input: {}, jobId, schedule: { delay: 300 } });
    const again = await once({ tag, input: {}, jobId, schedule: { delay: 300 } });

    expect(first).toMatchObject({ id: jobId, state: 'delayed' });
    expect(first.existing).toBeUndefined();
    expect(again).toMatchObject({ id: jobId, state: 'delayed', existing: true, runAt: first.runAt });
    expect((await backstop().jobs.wait(jobId, WAIT)).state).toBe('completed');

    const afterwards = await once({ tag, input: {}, jobId });
    expect(afterwards).toMatchObject({ id: jobId, state: 'completed', existing: true });
    // Every job queued so far has run: a second job for this jobId would have called by now.
    await idle();
    expect(sim.calls).toHaveLength(1);
  });

  it('dispatchBulk queues N jobs that all complete; a known jobId in a later bulk is existing', async () => {
    const { sim, tag } = await oneProvider();
    const ids = Array.from({ length: 5 }, (_, i) => `bulk-${i}-${randomUUID().slice(0, 8)}`);
    const handles = await backstop().fallback.dispatchBulk(
      ids.map((jobId, i) => ({ tag, input: { n: i }, jobId, schedule: i % 2 ? { delay: 200 } : undefined })),
    );
    expect(handles.map((h) => h.id)).toEqual(ids);
    expect(handles.map((h) => h.state)).toEqual(['waiting', 'delayed', 'waiting', 'delayed', 'waiting']);

    const views = await Promise.all(ids.map((id) => backstop().jobs.wait(id, WAIT)));
    expect(views.map((v) => v.state)).toEqual(Array(5).fill('completed'));
    expect(sim.calls).toHaveLength(5);

    const again = await backstop().fallback.dispatchBulk([{ tag, input: {}, jobId: ids[0]! }]);
    expect(again[0]).toMatchObject({ id: ids[0], existing: true, state: 'completed' });
  });

  it('a bulk with one bad item ([2].input.amount) queues none of them', async () => {
    const sim = await chains.provider('bulk');
    const tag = await chains.chain([chains.option(sim)], { input: { amount: { type: 'number' } } });
    const ids = Array.from({ length: 4 }, () => `bad-bulk-${randomUUID().slice(0, 8)}`);
    const list = ids.map((jobId, i) => ({ tag, jobId, input: { amount: i === 2 ? 'two' : i } }));

    const error = (await rejection(backstop().fallback.dispatchBulk(list))) as BackstopError & {
      issues: { path: string }[];
    };
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.issues.map((i) => i.path)).toEqual(['[2].input.amount']);

    for (const id of ids) {
      expect(((await rejection(backstop().jobs.get(id))) as BackstopError).code).toBe(ErrorCodes.NOT_FOUND);
    }
    // A job dispatched afterwards on the same chain is the only one the provider sees.
    const sentinel = await once({ tag, input: { amount: 9 } });
    expect((await backstop().jobs.wait(sentinel.id, WAIT)).state).toBe('completed');
    expect(sim.calls.map((c) => c.idempotencyKey)).toHaveLength(1);
  });

  it('jobs.get of a completed job has the result, the provider and the attempts', async () => {
    const { sim, tag } = await oneProvider();
    const handle = await once({ tag, input: {} });
    await backstop().jobs.wait(handle.id, WAIT);

    const view = await backstop().jobs.get(handle.id);

    expect(view).toMatchObject({ id: handle.id, tag, state: 'completed', provider: sim.name, runs: 1 });
    expect(view.result).toMatchObject({ provider: sim.name });
    expect(view.attempts).toEqual([
      expect.objectContaining({ provider: sim.name, attempt: 1, outcome: 'success' }),
    ]);
    expect(view.attempts[0]!.idempotencyKey).toBe(sim.calls[0]!.idempotencyKey);
    expect(view.error).toBeUndefined();
    expect(Date.parse(view.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(view.startedAt!));
  });

  it('an exhausted chain fails the job once, with its code and every attempt, and BullMQ does not re-run it', async () => {
    const primary = (await chains.provider('down-a')).down();
    const fallback = (await chains.provider('down-b')).down(500);
    const tag = await chains.chain([
      chains.option(primary, { retries: 2 }),
      chains.option(fallback, { retries: 1 }),
    ]);
    const handle = await once({ tag, input: {} });

    const view = await backstop().jobs.wait(handle.id, WAIT);

    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe(ErrorCodes.FALLBACK_EXHAUSTED);
    expect(view.result).toBeUndefined();
    expect(view.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      [primary.name, 1, 'failure'],
      [primary.name, 2, 'failure'],
      [primary.name, 3, 'failure'],
      [fallback.name, 1, 'failure'],
      [fallback.name, 2, 'failure'],
    ]);
    expect(view.runs).toBe(1);
    expect(primary.calls).toHaveLength(3);
    expect(fallback.calls).toHaveLength(2);

    // BullMQ's own retry (attempts: 5, 1 s backoff) would wait in `delayed`; the job is failed for good.
    await expectFailedForGood(prefix, handle.id);
    expect(await backstop().jobs.get(handle.id)).toMatchObject({ state: 'failed', runs: 1 });
    expect(primary.calls).toHaveLength(3);
    expect(fallback.calls).toHaveLength(2);
  });

  it('cancels a delayed job: it never runs; a finished job cannot be cancelled', async () => {
    const { sim, tag } = await oneProvider('cancelled');
    const sentinel = await oneProvider('sentinel');
    const handle = await once({ tag, input: {}, schedule: { delay: 400 } });

    expect(await backstop().jobs.cancel(handle.id)).toMatchObject({ id: handle.id, state: 'cancelled' });
    expect(((await rejection(backstop().jobs.get(handle.id))) as BackstopError).code).toBe(
      ErrorCodes.NOT_FOUND,
    );

    // A job due after the cancelled one's time has run: the worker had its chance and did nothing.
    const later = await once({ tag: sentinel.tag, input: {}, schedule: { delay: 600 } });
    expect((await backstop().jobs.wait(later.id, WAIT)).state).toBe('completed');
    expect(sim.calls).toHaveLength(0);
    expect(sentinel.sim.calls).toHaveLength(1);

    const conflict = (await rejection(backstop().jobs.cancel(later.id))) as BackstopError;
    expect(conflict.code).toBe(ErrorCodes.CONFLICT);
    expect(conflict.message).toContain('completed');
    expect(((await rejection(backstop().jobs.cancel(handle.id))) as BackstopError).code).toBe(
      ErrorCodes.NOT_FOUND,
    );
  });

  it('jobs.wait rejects with BACKSTOP_WAIT_TIMEOUT when the job does not finish in time', async () => {
    const { sim, tag } = await oneProvider();
    const handle = await once({ tag, input: {}, schedule: { delay: '1m' } });

    const error = (await rejection(backstop().jobs.wait(handle.id, { timeout: 200 }))) as BackstopError;

    expect(error.code).toBe(ErrorCodes.WAIT_TIMEOUT);
    expect(error.message).toContain(handle.id);
    await backstop().jobs.cancel(handle.id);
    expect(sim.calls).toHaveLength(0);
  });
});
