import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { resolveSchedule } from '../../src/core/schedule.js';
import { HOUR, NOW, rejects, SECOND } from '../helpers/schedules.js';
import { wallClock } from '../helpers/wall-clock.js';

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
