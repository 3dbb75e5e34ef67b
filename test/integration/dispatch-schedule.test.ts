import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Backstop,
  type BackstopError,
  type DispatchParams,
  ErrorCodes,
  type JobHandle,
  type JobView,
} from '../../src/index.js';
import { httpChains, rejection } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

// Dispatched jobs run in a separate worker process (workers/fallback.worker.ts) that reads the
// chains and apps this process stored in Redis. Timing is checked from below only: a job must
// never run before its time; how late it runs is a benchmark's business, not a test's.

const WAIT = { timeout: 10_000 };

/** `parts` of `ms` as read on a wall clock in `timeZone`, via Intl (independent of luxon). */
function wallParts(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
    weekday: 'short',
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    millisecond: get('fractionalSecond'),
    weekday: get('weekday'),
  };
}

/** Polls until `done()` holds; fails after `ms`. */
async function until(done: () => boolean, what: string, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('fallback.dispatch run by a worker process', () => {
  const prefix = uniquePrefix();
  let backstop: Backstop;
  let worker: WorkerProcess | undefined;
  const { provider, option, chain, closeAll } = httpChains(() => backstop);

  beforeAll(async () => {
    // The operator's floor lowered (the default is 1 s) so that a test sees a schedule repeat quickly.
    backstop = testBackstop({
      prefix,
      processEnv: { ...process.env, BACKSTOP_MIN_SCHEDULE_INTERVAL_MS: '100' },
    });
    worker = await startWorkerProcess(prefix);
  });

  afterAll(async () => {
    await worker?.stop();
    await backstop.close();
    await closeAll();
  });

  async function oneProvider(name = 'pay'): Promise<{ sim: ProviderSimulator; tag: string }> {
    const sim = await provider(name);
    return { sim, tag: await chain([option(sim)]) };
  }

  /** The provider call a completed job made, found by its idempotency key. */
  function callOf(sim: ProviderSimulator, view: JobView) {
    expect(view.state).toBe('completed');
    const key = view.attempts.at(-1)!.idempotencyKey;
    const call = sim.calls.find((c) => c.idempotencyKey === key);
    if (!call) throw new Error(`no call to ${sim.name} with key ${key}`);
    return call;
  }

  const once = async (params: DispatchParams) => (await backstop.fallback.dispatch(params)) as JobHandle;

  it('runs a delayed job after its delay, not before', async () => {
    const { sim, tag } = await oneProvider();
    const before = Date.now();
    const handle = await once({ tag, input: {}, schedule: { delay: 800 } });
    expect(handle).toMatchObject({ tag, product: 'my-product', env: 'prd', state: 'delayed' });
    const runAt = Date.parse(handle.runAt);
    expect(runAt).toBeGreaterThanOrEqual(before + 800);
    expect((await backstop.jobs.get(handle.id)).state).toBe('delayed');

    const view = await backstop.jobs.wait(handle.id, WAIT);

    expect(view.state).toBe('completed');
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.at).toBeGreaterThanOrEqual(runAt);
    expect(Date.parse(view.startedAt!)).toBeGreaterThanOrEqual(runAt);
  });

  it("runs an `at` job at its time, not before (and a '0.5s' delay string after 500 ms)", async () => {
    const { sim, tag } = await oneProvider();
    const at = Date.now() + 800;
    const handle = await once({ tag, input: {}, schedule: { at: new Date(at) } });
    expect(handle).toMatchObject({ state: 'delayed', runAt: new Date(at).toISOString() });
    const before = Date.now();
    const viaString = await once({ tag, input: {}, schedule: { delay: '0.5s' } });

    const atCall = callOf(sim, await backstop.jobs.wait(handle.id, WAIT));
    const stringCall = callOf(sim, await backstop.jobs.wait(viaString.id, WAIT));

    expect(sim.calls).toHaveLength(2);
    expect(atCall.at).toBeGreaterThanOrEqual(at);
    expect(stringCall.at).toBeGreaterThanOrEqual(before + 500);
  });

  it('runs a naive ISO `at` with tz America/New_York at that New York wall time', async () => {
    const { sim, tag } = await oneProvider();
    const target = Date.now() + 900;
    const p = wallParts(target, 'America/New_York');
    const naive = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${p.millisecond}`;

    const handle = await once({ tag, input: {}, schedule: { at: naive, tz: 'America/New_York' } });

    expect(handle.runAt).toBe(new Date(target).toISOString());
    expect((await backstop.jobs.wait(handle.id, WAIT)).state).toBe('completed');
    expect(sim.calls[0]!.at).toBeGreaterThanOrEqual(target);
  });

  it('runs a luxon DateTime built in Asia/Kolkata (UTC+05:30) at the right instant', async () => {
    const { sim, tag } = await oneProvider();
    const target = Date.now() + 900;
    const p = wallParts(target, 'Asia/Kolkata');
    const at = DateTime.fromObject(
      {
        year: Number(p.year),
        month: Number(p.month),
        day: Number(p.day),
        hour: Number(p.hour),
        minute: Number(p.minute),
        second: Number(p.second),
        millisecond: Number(p.millisecond),
      },
      { zone: 'Asia/Kolkata' },
    );

    const handle = await once({ tag, input: {}, schedule: { at } });

    expect(handle.runAt).toBe(new Date(target).toISOString());
    expect((await backstop.jobs.wait(handle.id, WAIT)).state).toBe('completed');
    expect(sim.calls[0]!.at).toBeGreaterThanOrEqual(target);
  });

  it('runs a past `at` at once with allowPast: true', async () => {
    const { sim, tag } = await oneProvider();
    const before = Date.now();
    const handle = await once({
      tag,
      input: {},
      schedule: { at: new Date(before - 60_000).toISOString(), allowPast: true },
    });
    expect(handle.state).toBe('waiting');
    expect((await backstop.jobs.wait(handle.id, WAIT)).state).toBe('completed');
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.at).toBeGreaterThanOrEqual(before);
  });

  it('cancels a delayed job: it never runs; a finished job cannot be cancelled', async () => {
    const { sim, tag } = await oneProvider('cancelled');
    const sentinel = await oneProvider('sentinel');
    const handle = await once({ tag, input: {}, schedule: { delay: 400 } });

    expect(await backstop.jobs.cancel(handle.id)).toMatchObject({ id: handle.id, state: 'cancelled' });
    expect(((await rejection(backstop.jobs.get(handle.id))) as BackstopError).code).toBe(
      ErrorCodes.NOT_FOUND,
    );

    // A job due after the cancelled one's time has run: the worker had its chance and did nothing.
    const later = await once({ tag: sentinel.tag, input: {}, schedule: { delay: 600 } });
    expect((await backstop.jobs.wait(later.id, WAIT)).state).toBe('completed');
    expect(sim.calls).toHaveLength(0);
    expect(sentinel.sim.calls).toHaveLength(1);

    const conflict = (await rejection(backstop.jobs.cancel(later.id))) as BackstopError;
    expect(conflict.code).toBe(ErrorCodes.CONFLICT);
    expect(conflict.message).toContain('completed');
    expect(((await rejection(backstop.jobs.cancel(handle.id))) as BackstopError).code).toBe(
      ErrorCodes.NOT_FOUND,
    );
  });

  it('returns the existing job for a repeated jobId, and calls the provider once', async () => {
    const { sim, tag } = await oneProvider();
    const jobId = `order-${randomUUID()}`;
    const first = await once({ tag, input: {}, jobId, schedule: { delay: 300 } });
    const again = await once({ tag, input: {}, jobId, schedule: { delay: 300 } });

    expect(first).toMatchObject({ id: jobId, state: 'delayed' });
    expect(first.existing).toBeUndefined();
    expect(again).toMatchObject({ id: jobId, state: 'delayed', existing: true, runAt: first.runAt });
    expect((await backstop.jobs.wait(jobId, WAIT)).state).toBe('completed');

    const afterwards = await once({ tag, input: {}, jobId });
    expect(afterwards).toMatchObject({ id: jobId, state: 'completed', existing: true });
    await sleep(200);
    expect(sim.calls).toHaveLength(1);
  });

  it('dispatchBulk queues N jobs that all complete; a known jobId in a later bulk is existing', async () => {
    const { sim, tag } = await oneProvider();
    const ids = Array.from({ length: 5 }, (_, i) => `bulk-${i}-${randomUUID().slice(0, 8)}`);
    const handles = await backstop.fallback.dispatchBulk(
      ids.map((jobId, i) => ({ tag, input: { n: i }, jobId, schedule: i % 2 ? { delay: 200 } : undefined })),
    );
    expect(handles.map((h) => h.id)).toEqual(ids);
    expect(handles.map((h) => h.state)).toEqual(['waiting', 'delayed', 'waiting', 'delayed', 'waiting']);

    const views = await Promise.all(ids.map((id) => backstop.jobs.wait(id, WAIT)));
    expect(views.map((v) => v.state)).toEqual(Array(5).fill('completed'));
    expect(sim.calls).toHaveLength(5);

    const again = await backstop.fallback.dispatchBulk([{ tag, input: {}, jobId: ids[0]! }]);
    expect(again[0]).toMatchObject({ id: ids[0], existing: true, state: 'completed' });
  });

  it('a bulk with one bad item ([2].input.amount) queues none of them', async () => {
    const sim = await provider('bulk');
    const tag = await chain([option(sim)], { input: { amount: { type: 'number' } } });
    const ids = Array.from({ length: 4 }, () => `bad-bulk-${randomUUID().slice(0, 8)}`);
    const list = ids.map((jobId, i) => ({ tag, jobId, input: { amount: i === 2 ? 'two' : i } }));

    const error = (await rejection(backstop.fallback.dispatchBulk(list))) as BackstopError & {
      issues: { path: string }[];
    };
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.issues.map((i) => i.path)).toEqual(['[2].input.amount']);

    for (const id of ids) {
      expect(((await rejection(backstop.jobs.get(id))) as BackstopError).code).toBe(ErrorCodes.NOT_FOUND);
    }
    // A job dispatched afterwards on the same chain is the only one the provider sees.
    const sentinel = await once({ tag, input: { amount: 9 } });
    expect((await backstop.jobs.wait(sentinel.id, WAIT)).state).toBe('completed');
    expect(sim.calls.map((c) => c.idempotencyKey)).toHaveLength(1);
  });

  it('a recurring { every: 300 } schedule fires repeatedly, is listed, and stops once removed', async () => {
    const { sim, tag } = await oneProvider('every');
    const id = `every-${randomUUID().slice(0, 8)}`;
    const handle = await backstop.fallback.dispatch({
      tag,
      input: {},
      jobId: id,
      schedule: { every: 300 },
    });
    expect(handle).toMatchObject({
      id,
      tag,
      product: 'my-product',
      env: 'prd',
      every: 300,
      state: 'scheduled',
    });

    expect(await backstop.schedules.list()).toContainEqual(expect.objectContaining({ id, tag, every: 300 }));
    await until(() => sim.calls.length >= 2, 'two occurrences');
    // Each occurrence is a run of its own, with idempotency keys of its own.
    const keys = sim.calls.map((c) => c.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);

    await backstop.schedules.remove(id);
    expect((await backstop.schedules.list()).map((s) => s.id)).not.toContain(id);
    await sleep(150); // an occurrence already running when it was removed may finish
    const count = sim.calls.length;
    await sleep(1_000); // more than three intervals
    expect(sim.calls.length).toBe(count);
    expect(((await rejection(backstop.schedules.remove(id))) as BackstopError).code).toBe(
      ErrorCodes.NOT_FOUND,
    );
  });

  it('lists a cron schedule in its zone with its next run, updates it by id, and removes it', async () => {
    const { sim, tag } = await oneProvider('cron');
    const id = `weekday-${randomUUID().slice(0, 8)}`;
    const cron = { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' };
    const handle = await backstop.fallback.dispatch({
      tag,
      input: {},
      jobId: id,
      schedule: cron,
    });
    expect(handle).toMatchObject({ id, tag, ...cron, state: 'scheduled' });

    const listed = (await backstop.schedules.list()).find((s) => s.id === id);
    expect(listed).toMatchObject({ id, tag, ...cron });
    const next = Date.parse(listed!.next!);
    expect(next).toBeGreaterThan(Date.now());
    const berlin = wallParts(next, 'Europe/Berlin');
    expect([berlin.hour, berlin.minute, berlin.second]).toEqual(['09', '00', '00']);
    expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(berlin.weekday);

    await backstop.fallback.dispatch({
      tag,
      input: {},
      jobId: id,
      schedule: { cron: '30 7 * * *', tz: 'UTC' },
    });
    const updated = (await backstop.schedules.list()).filter((s) => s.id === id);
    expect(updated).toEqual([expect.objectContaining({ id, cron: '30 7 * * *', tz: 'UTC' })]);

    await backstop.schedules.remove(id);
    expect((await backstop.schedules.list()).map((s) => s.id)).not.toContain(id);
    expect(sim.calls).toHaveLength(0);
  });

  it('jobs.get of a completed job has the result, the provider and the attempts', async () => {
    const { sim, tag } = await oneProvider();
    const handle = await once({ tag, input: {} });
    await backstop.jobs.wait(handle.id, WAIT);

    const view = await backstop.jobs.get(handle.id);

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
    const primary = (await provider('down-a')).down();
    const fallback = (await provider('down-b')).down(500);
    const tag = await chain([option(primary, { retries: 2 }), option(fallback, { retries: 1 })]);
    const handle = await once({ tag, input: {} });

    const view = await backstop.jobs.wait(handle.id, WAIT);

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

    // BullMQ's own retry would come back after its 1 s backoff; it must not.
    await sleep(1_300);
    expect(await backstop.jobs.get(handle.id)).toMatchObject({ state: 'failed', runs: 1 });
    expect(primary.calls).toHaveLength(3);
    expect(fallback.calls).toHaveLength(2);
  });

  it('jobs.wait rejects with BACKSTOP_WAIT_TIMEOUT when the job does not finish in time', async () => {
    const { sim, tag } = await oneProvider();
    const handle = await once({ tag, input: {}, schedule: { delay: '1m' } });

    const error = (await rejection(backstop.jobs.wait(handle.id, { timeout: 200 }))) as BackstopError;

    expect(error.code).toBe(ErrorCodes.WAIT_TIMEOUT);
    expect(error.message).toContain(handle.id);
    await backstop.jobs.cancel(handle.id);
    expect(sim.calls).toHaveLength(0);
  });
});
