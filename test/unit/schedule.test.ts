import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/duration.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { resolveSchedule, type Schedule } from '../../src/core/schedule.js';
import { ValidationError } from '../../src/core/validation-error.js';

// A fixed "now": Saturday 2026-03-07 12:00 UTC, the day before the US switches to daylight time
// (2026-03-08 02:00 America/New_York) and three weeks before Europe does (2026-03-29).
const NOW = Date.UTC(2026, 2, 7, 12, 0, 0);
const SECOND = 1_000;
const HOUR = 3_600_000;

/** The ValidationError `fn` throws; fails the test when it returns. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(ErrorCodes.VALIDATION);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

function rejects(schedule: unknown, now = NOW): ValidationError {
  return validationError(() => resolveSchedule(schedule as Schedule, now));
}

/** The wall-clock reading of `ms` in `timeZone`, via Intl (independent of luxon). */
function wallClock(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    [1.4, 1],
    [1.6, 2],
  ])('takes %s ms as a number', (value, ms) => {
    expect(parseDuration(value, 'd')).toBe(ms);
  });

  it.each([
    ['500ms', 500],
    ['5s', 5 * SECOND],
    ['1.5s', 1_500],
    ['10m', 600_000],
    ['2h', 2 * HOUR],
    ['1d', 24 * HOUR],
    [' 5s ', 5 * SECOND],
    ['5 s', 5 * SECOND],
    ['0s', 0],
  ])('parses the short form %j', (value, ms) => {
    expect(parseDuration(value, 'd')).toBe(ms);
  });

  it.each([
    ['PT5S', 5 * SECOND],
    ['PT1M30S', 90 * SECOND],
    ['PT2H', 2 * HOUR],
  ])('parses the ISO 8601 duration %j', (value, ms) => {
    expect(parseDuration(value, 'd')).toBe(ms);
  });

  it.each([
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    '5',
    '-5s',
    '5 parsecs',
    '5sec',
    's',
    'PTXS',
    null,
    undefined,
    true,
    {},
    [5],
  ])('rejects %j, naming the path and the accepted forms', (value) => {
    const error = validationError(() => parseDuration(value, 'schedule.delay'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe('schedule.delay');
    expect(error.issues[0]!.message).toMatch(/duration/);
  });

  it('mentions the accepted string forms when a string is wrong', () => {
    const error = validationError(() => parseDuration('5 parsecs', 'x.every'));
    expect(error.message).toContain('x.every');
    expect(error.message).toContain("'5s'");
    expect(error.message).toContain('5 parsecs');
  });
});

describe('resolveSchedule: one-off forms', () => {
  it('runs as soon as possible without a schedule', () => {
    expect(resolveSchedule(undefined, NOW)).toEqual({ kind: 'once', delayMs: 0, runAt: NOW });
  });

  it('runs as soon as possible with an empty schedule', () => {
    expect(resolveSchedule({}, NOW)).toEqual({ kind: 'once', delayMs: 0, runAt: NOW });
  });

  it.each<[number | string, number]>([
    [800, 800],
    [0, 0],
    ['5s', 5 * SECOND],
    ['10m', 600_000],
    ['PT1H', HOUR],
  ])('delays by %j', (delay, ms) => {
    expect(resolveSchedule({ delay }, NOW)).toEqual({ kind: 'once', delayMs: ms, runAt: NOW + ms });
  });

  it('rejects a bad delay under schedule.delay', () => {
    expect(rejects({ delay: '5 parsecs' }).issues[0]!.path).toBe('schedule.delay');
    expect(rejects({ delay: -5 }).issues[0]!.path).toBe('schedule.delay');
  });

  it('runs at a Date', () => {
    const at = new Date(NOW + 90 * SECOND);
    expect(resolveSchedule({ at }, NOW)).toEqual({ kind: 'once', delayMs: 90 * SECOND, runAt: at.getTime() });
  });

  it('runs at once when `at` is exactly now', () => {
    expect(resolveSchedule({ at: new Date(NOW) }, NOW)).toEqual({ kind: 'once', delayMs: 0, runAt: NOW });
  });

  it.each([
    ['2026-03-07T13:00:00Z', Date.UTC(2026, 2, 7, 13)],
    ['2026-03-07T13:00:00z', Date.UTC(2026, 2, 7, 13)],
    ['2026-03-07T13:00:00.250Z', Date.UTC(2026, 2, 7, 13, 0, 0, 250)],
    ['2026-03-07T14:00:00+01:00', Date.UTC(2026, 2, 7, 13)],
    ['2026-03-07T18:30:00+0530', Date.UTC(2026, 2, 7, 13)],
    ['2026-03-07T15:00:00+02', Date.UTC(2026, 2, 7, 13)],
    ['2026-03-07T08:00:00-05:00', Date.UTC(2026, 2, 7, 13)],
    [' 2026-03-07T13:00:00Z ', Date.UTC(2026, 2, 7, 13)],
  ])('runs at the ISO string %j', (at, expected) => {
    expect(resolveSchedule({ at }, NOW)).toEqual({ kind: 'once', delayMs: expected - NOW, runAt: expected });
  });

  it('lets an explicit offset win over tz', () => {
    const resolved = resolveSchedule({ at: '2026-03-07T13:00:00Z', tz: 'America/New_York' }, NOW);
    expect(resolved).toMatchObject({ runAt: Date.UTC(2026, 2, 7, 13) });
  });

  it('runs at a luxon DateTime, whatever its zone', () => {
    const at = DateTime.fromObject(
      { year: 2026, month: 3, day: 8, hour: 9, minute: 30 },
      { zone: 'Asia/Tokyo' },
    );
    // 09:30 in Tokyo (UTC+9, no DST) is 00:30 UTC.
    expect(resolveSchedule({ at }, NOW)).toMatchObject({ kind: 'once', runAt: Date.UTC(2026, 2, 8, 0, 30) });
  });

  it('rejects an invalid luxon DateTime', () => {
    const at = DateTime.fromISO('not a date');
    const error = rejects({ at });
    expect(error.issues[0]!.path).toBe('schedule.at');
    expect(error.message).toMatch(/invalid DateTime/);
  });
});

describe('resolveSchedule: a naive `at` in a time zone', () => {
  it('reads it in tz, before the DST switch (EST, UTC-5)', () => {
    const resolved = resolveSchedule({ at: '2026-03-07T09:00:00', tz: 'America/New_York' }, NOW);
    expect(resolved).toEqual({ kind: 'once', delayMs: 2 * HOUR, runAt: Date.UTC(2026, 2, 7, 14) });
  });

  it('reads it in tz across the DST switch (EDT, UTC-4): the delay is 49 h, not 50 h', () => {
    // Saturday 07:00 EST (12:00 UTC) to Monday 09:00 EDT (13:00 UTC): 50 wall-clock hours, 49 real ones.
    const resolved = resolveSchedule({ at: '2026-03-09T09:00:00', tz: 'America/New_York' }, NOW);
    expect(resolved).toEqual({ kind: 'once', delayMs: 49 * HOUR, runAt: Date.UTC(2026, 2, 9, 13) });
  });

  it('reads it in a European zone across its own DST switch', () => {
    const before = resolveSchedule({ at: '2026-03-28T09:00:00', tz: 'Europe/Berlin' }, NOW);
    const after = resolveSchedule({ at: '2026-03-30T09:00:00', tz: 'Europe/Berlin' }, NOW);
    expect(before).toMatchObject({ runAt: Date.UTC(2026, 2, 28, 8) }); // CET, UTC+1
    expect(after).toMatchObject({ runAt: Date.UTC(2026, 2, 30, 7) }); // CEST, UTC+2
  });

  it('reads a southern-hemisphere zone leaving DST (Sydney, April 2026)', () => {
    const before = resolveSchedule({ at: '2026-04-04T12:00:00', tz: 'Australia/Sydney' }, NOW);
    const after = resolveSchedule({ at: '2026-04-06T12:00:00', tz: 'Australia/Sydney' }, NOW);
    expect(before).toMatchObject({ runAt: Date.UTC(2026, 3, 4, 1) }); // AEDT, UTC+11
    expect(after).toMatchObject({ runAt: Date.UTC(2026, 3, 6, 2) }); // AEST, UTC+10
  });

  it('moves a wall time inside the spring-forward gap forward by the gap (02:30 → 03:30 EDT)', () => {
    const resolved = resolveSchedule({ at: '2026-03-08T02:30:00', tz: 'America/New_York' }, NOW);
    expect(resolved).toMatchObject({ kind: 'once', runAt: Date.UTC(2026, 2, 8, 7, 30) });
  });

  it('resolves a wall time repeated at fall-back to one of its two instants', () => {
    // 01:30 happens twice on 2026-11-01 in New York: 05:30 UTC (EDT) and 06:30 UTC (EST).
    const resolved = resolveSchedule({ at: '2026-11-01T01:30:00', tz: 'America/New_York' }, NOW);
    expect(resolved.kind).toBe('once');
    const runAt = (resolved as { runAt: number }).runAt;
    expect([Date.UTC(2026, 10, 1, 5, 30), Date.UTC(2026, 10, 1, 6, 30)]).toContain(runAt);
    expect(wallClock(runAt, 'America/New_York')).toBe('2026-11-01T01:30:00');
  });

  it('agrees with Intl on an arbitrary instant written as New York wall time', () => {
    const target = Date.UTC(2026, 6, 14, 22, 15, 30);
    const resolved = resolveSchedule(
      { at: wallClock(target, 'America/New_York'), tz: 'America/New_York' },
      NOW,
    );
    expect(resolved).toMatchObject({ runAt: target });
  });

  it('takes a date without a time as midnight in tz', () => {
    // '2026-03-09' ends in '-09', which must not be read as a UTC-9 offset.
    const resolved = resolveSchedule({ at: '2026-03-09', tz: 'America/New_York' }, NOW);
    expect(resolved).toMatchObject({ runAt: Date.UTC(2026, 2, 9, 4) });
  });
});

describe('resolveSchedule: `at` errors', () => {
  it('refuses an `at` in the past and suggests allowPast', () => {
    const error = rejects({ at: new Date(NOW - SECOND) });
    expect(error.issues[0]!.path).toBe('schedule.at');
    expect(error.message).toContain('allowPast');
    expect(error.message).toContain(new Date(NOW - SECOND).toISOString());
  });

  it('refuses a past ISO string and a past DateTime too', () => {
    expect(rejects({ at: '2026-03-07T11:59:59Z' }).issues[0]!.path).toBe('schedule.at');
    expect(rejects({ at: DateTime.fromMillis(NOW - HOUR) }).issues[0]!.path).toBe('schedule.at');
  });

  it('runs a past `at` at once with allowPast', () => {
    const resolved = resolveSchedule({ at: new Date(NOW - HOUR), allowPast: true }, NOW);
    expect(resolved).toEqual({ kind: 'once', delayMs: 0, runAt: NOW });
  });

  it('leaves a future `at` alone with allowPast', () => {
    const resolved = resolveSchedule({ at: new Date(NOW + HOUR), allowPast: true }, NOW);
    expect(resolved).toEqual({ kind: 'once', delayMs: HOUR, runAt: NOW + HOUR });
  });

  it.each(['2026-03-09T09:00:00', '2026-03-09T09:00', '2026-03-09'])(
    'refuses the naive ISO string %j without tz, suggesting an offset or tz',
    (at) => {
      const error = rejects({ at });
      expect(error.issues[0]!.path).toBe('schedule.at');
      expect(error.message).toContain('schedule.tz');
      expect(error.message).toMatch(/offset/);
    },
  );

  it.each(['tomorrow at nine', '2026-13-45T00:00:00Z', '2026-03-09T25:00:00Z'])(
    'refuses the unparseable string %j',
    (at) => {
      expect(rejects({ at, tz: 'UTC' }).issues[0]!.path).toBe('schedule.at');
    },
  );

  it('refuses an invalid Date', () => {
    const error = rejects({ at: new Date('nope') });
    expect(error.issues[0]).toEqual({ path: 'schedule.at', message: 'expected a valid Date' });
  });

  it.each([NOW + HOUR, null, true, { year: 2026 }])('refuses `at` of the wrong type %j', (at) => {
    const error = rejects({ at });
    expect(error.issues[0]!.path).toBe('schedule.at');
    expect(error.message).toMatch(/Date, an ISO 8601 string or a luxon DateTime/);
  });

  it.each(['Mars/Olympus_Mons', 'EST5EDTX', '', 42])('refuses the time zone %j under schedule.tz', (tz) => {
    const error = rejects({ at: '2026-03-09T09:00:00', tz });
    expect(error.issues[0]!.path).toBe('schedule.tz');
    expect(error.message).toContain('IANA');
  });
});

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
