import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { type BackstopError, ErrorCodes } from '../../src/index.js';
import { callOf, useDispatchWorker, WAIT } from '../helpers/dispatch-kit.js';
import { rejection } from '../helpers/http-chains.js';
import { until } from '../helpers/until.js';
import { wallClock, wallParts } from '../helpers/wall-clock.js';

/**
 * How far ahead an `at` is set. Under a loaded CI run a dispatch took over 900 ms to reach its
 * schedule check, which then refused the time as past: far enough ahead not to race the dispatch.
 */
const LEAD_MS = 3_000;

// Dispatched jobs run in a separate worker process that reads the chains and apps this process
// stored in Redis. Timing is checked from below only: a job must never run before its time; how
// late it runs is a benchmark's business, not a test's.
describe('scheduled jobs run by a worker process: delay, at, every, cron', () => {
  const { backstop, oneProvider, once, idle } = useDispatchWorker();

  it('runs a delayed job after its delay, not before', async () => {
    const { sim, tag } = await oneProvider();
    const before = Date.now();
    const handle = await once({ tag, input: {}, schedule: { delay: 800 } });
    expect(handle).toMatchObject({ tag, product: 'my-product', env: 'prd', state: 'delayed' });
    const runAt = Date.parse(handle.runAt);
    expect(runAt).toBeGreaterThanOrEqual(before + 800);
    expect((await backstop().jobs.get(handle.id)).state).toBe('delayed');

    const view = await backstop().jobs.wait(handle.id, WAIT);

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

    const atCall = callOf(sim, await backstop().jobs.wait(handle.id, WAIT));
    const stringCall = callOf(sim, await backstop().jobs.wait(viaString.id, WAIT));

    expect(sim.calls).toHaveLength(2);
    expect(atCall.at).toBeGreaterThanOrEqual(at);
    expect(stringCall.at).toBeGreaterThanOrEqual(before + 500);
  });

  it('runs a naive ISO `at` with tz America/New_York at that New York wall time', async () => {
    const { sim, tag } = await oneProvider();
    const target = Date.now() + LEAD_MS;
    const naive = wallClock(target, 'America/New_York', { millis: true });

    const handle = await once({ tag, input: {}, schedule: { at: naive, tz: 'America/New_York' } });

    expect(handle.runAt).toBe(new Date(target).toISOString());
    expect((await backstop().jobs.wait(handle.id, WAIT)).state).toBe('completed');
    expect(sim.calls[0]!.at).toBeGreaterThanOrEqual(target);
  });

  it('runs a luxon DateTime built in Asia/Kolkata (UTC+05:30) at the right instant', async () => {
    const { sim, tag } = await oneProvider();
    const target = Date.now() + LEAD_MS;
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
    expect((await backstop().jobs.wait(handle.id, WAIT)).state).toBe('completed');
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
    expect((await backstop().jobs.wait(handle.id, WAIT)).state).toBe('completed');
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.at).toBeGreaterThanOrEqual(before);
  });

  it('a recurring { every: 300 } schedule fires repeatedly, is listed, and stops once removed', async () => {
    const { sim, tag } = await oneProvider('every');
    const id = `every-${randomUUID().slice(0, 8)}`;
    const handle = await backstop().fallback.dispatch({
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

    expect(await backstop().schedules.list()).toContainEqual(
      expect.objectContaining({ id, tag, every: 300 }),
    );
    await until(() => sim.calls.length >= 2, 8_000, 'two occurrences');
    // Each occurrence is a run of its own, with idempotency keys of its own.
    const keys = sim.calls.map((c) => c.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);

    await backstop().schedules.remove(id);
    expect((await backstop().schedules.list()).map((s) => s.id)).not.toContain(id);
    // An occurrence already running when it was removed may finish; then nothing is left to run.
    await idle();
    const count = sim.calls.length;
    // A job due one interval later has run: the next occurrence would have been due before it.
    const sentinel = await oneProvider('sentinel');
    const later = await once({ tag: sentinel.tag, input: {}, schedule: { delay: 300 } });
    expect((await backstop().jobs.wait(later.id, WAIT)).state).toBe('completed');
    await idle();
    expect(sim.calls.length).toBe(count);
    expect(((await rejection(backstop().schedules.remove(id))) as BackstopError).code).toBe(
      ErrorCodes.NOT_FOUND,
    );
  });

  it('lists a cron schedule in its zone with its next run, updates it by id, and removes it', async () => {
    const { sim, tag } = await oneProvider('cron');
    const id = `weekday-${randomUUID().slice(0, 8)}`;
    const cron = { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' };
    const handle = await backstop().fallback.dispatch({
      tag,
      input: {},
      jobId: id,
      schedule: cron,
    });
    expect(handle).toMatchObject({ id, tag, ...cron, state: 'scheduled' });

    const listed = (await backstop().schedules.list()).find((s) => s.id === id);
    expect(listed).toMatchObject({ id, tag, ...cron });
    const next = Date.parse(listed!.next!);
    expect(next).toBeGreaterThan(Date.now());
    const berlin = wallParts(next, 'Europe/Berlin');
    expect([berlin.hour, berlin.minute, berlin.second]).toEqual(['09', '00', '00']);
    expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(berlin.weekday);

    await backstop().fallback.dispatch({
      tag,
      input: {},
      jobId: id,
      schedule: { cron: '30 7 * * *', tz: 'UTC' },
    });
    const updated = (await backstop().schedules.list()).filter((s) => s.id === id);
    expect(updated).toEqual([expect.objectContaining({ id, cron: '30 7 * * *', tz: 'UTC' })]);

    await backstop().schedules.remove(id);
    expect((await backstop().schedules.list()).map((s) => s.id)).not.toContain(id);
    expect(sim.calls).toHaveLength(0);
  });
});
