import { describe, expect, it } from 'vitest';
import { resolveSchedule, type Schedule } from '../../src/core/schedule.js';
import { HOUR, NOW, rejects, SECOND, validationError } from '../helpers/schedules.js';

/** Recurring schedules (cron, every), and what a schedule that is not one form is refused for. */
describe('resolveSchedule: recurring forms', () => {
  it('takes a five-field cron pattern, in UTC by default', () => {
    expect(resolveSchedule({ cron: '0 9 * * 1-5' }, NOW)).toEqual({
      kind: 'cron',
      pattern: '0 9 * * 1-5',
      tz: 'UTC',
    });
  });

  it('takes a six-field (seconds) cron pattern in a zone, trimmed', () => {
    expect(resolveSchedule({ cron: ' */1 * * * * * ', tz: 'Europe/Berlin' }, NOW)).toEqual({
      kind: 'cron',
      pattern: '*/1 * * * * *',
      tz: 'Europe/Berlin',
    });
  });

  it.each(['every day', '* * * *', '* * * * * * *', '', 5])('refuses the cron pattern %j', (cron) => {
    const error = rejects({ cron });
    expect(error.issues[0]!.path).toBe('schedule.cron');
    expect(error.message).toContain('cron pattern');
  });

  it('refuses a cron pattern with a bad time zone under schedule.tz', () => {
    expect(rejects({ cron: '0 9 * * *', tz: 'Nowhere/Land' }).issues[0]!.path).toBe('schedule.tz');
  });

  it.each<[number | string, number]>([
    [1_000, 1_000],
    ['5s', 5 * SECOND],
    ['PT1M', 60 * SECOND],
  ])('repeats every %j', (every, ms) => {
    expect(resolveSchedule({ every }, NOW)).toEqual({ kind: 'every', everyMs: ms });
  });

  it.each([0, '0s', -300, 'often', 1, 999, '500ms'])('refuses every %j under schedule.every', (every) => {
    expect(rejects({ every }).issues[0]!.path).toBe('schedule.every');
  });
});

describe('resolveSchedule: the operator floor', () => {
  const minute = { minIntervalMs: 60 * SECOND };
  const refused = (schedule: Schedule) => validationError(() => resolveSchedule(schedule, NOW, minute));

  it('names the field and the floor', () => {
    const error = refused({ every: '30s' });
    expect(error.issues).toEqual([
      {
        path: 'schedule.every',
        message: expect.stringContaining('at least 60000 ms between runs'),
      },
    ]);
    expect(resolveSchedule({ every: 300 }, NOW, { minIntervalMs: 100 })).toEqual({
      kind: 'every',
      everyMs: 300,
    });
  });

  it.each(['*/10 * * * * *', '0,30 * * * * *', '0,59 0 9 * * *', '* * * * * *'])(
    'refuses %s under a one-minute floor, naming schedule.cron',
    (cron) => {
      const error = refused({ cron });
      expect(error.issues[0]!.path).toBe('schedule.cron');
      expect(error.message).toContain('60000 ms');
    },
  );

  it.each(['* * * * *', '0 */5 * * * *', '0 0 9 * * 1-5', '30 59 23 * * *'])(
    'takes %s under a one-minute floor',
    (cron) => {
      expect(resolveSchedule({ cron }, NOW, minute)).toMatchObject({ kind: 'cron' });
    },
  );

  it('counts the gap across midnight', () => {
    // 00:00:30, 00:59:30, 23:00:30 and 23:59:30: 59 minutes apart within a day, 60 s across midnight.
    const cron = '30 0,59 0,23 * * *';
    expect(resolveSchedule({ cron }, NOW, minute)).toMatchObject({ kind: 'cron' });
    const error = validationError(() => resolveSchedule({ cron }, NOW, { minIntervalMs: 120 * SECOND }));
    expect(error.message).toContain('60000 ms apart');
  });
});

describe('resolveSchedule: shape errors', () => {
  it.each([
    [{ delay: 500, at: new Date(NOW + HOUR) }, ['delay', 'at']],
    [{ cron: '0 9 * * *', every: 1000 }, ['cron', 'every']],
    [{ delay: '5s', every: '5s' }, ['delay', 'every']],
    [{ at: '2026-03-09T09:00:00Z', cron: '0 9 * * *' }, ['at', 'cron']],
  ])('refuses two forms at once: %j', (schedule, forms) => {
    const error = rejects(schedule);
    expect(error.issues[0]!.path).toBe('schedule');
    for (const form of forms) expect(error.message).toContain(form);
  });

  it.each([null, 'soon', 5_000, [500]])('refuses a schedule that is not an object: %j', (schedule) => {
    const error = rejects(schedule);
    expect(error.issues[0]!.path).toBe('schedule');
  });

  // A misspelt or legacy field must not silently mean "run now" (bullmq v6 treats its removed
  // `repeat` option exactly that way, which is the trap this API exists to avoid).
  it.each([
    [{ dealy: 5_000 }, 'schedule.dealy'],
    [{ repeat: { every: 1_000 } }, 'schedule.repeat'],
    [{ runAt: '2026-03-09T09:00:00Z' }, 'schedule.runAt'],
  ])('refuses the unknown field in %j instead of running at once', (schedule, path) => {
    const error = rejects(schedule);
    expect(error.issues.map((i) => i.path)).toContain(path);
  });
});
