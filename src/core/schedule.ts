import { CronExpressionParser } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';
import { parseDuration } from './duration.js';
import { ValidationError } from './validation-error.js';

/** `schedule` of `fallback.dispatch` (`{ delay }` / `{ at }`, plus recurring forms). */
export interface Schedule {
  /** Run after this long: ms or a duration string (`'5s'`). */
  delay?: number | string;
  /** Run at this instant: a Date, an ISO 8601 string with an offset (or with `tz`), or a luxon DateTime. */
  at?: Date | string | DateTime;
  /** Zone for a cron pattern, or for an `at` string written without an offset. */
  tz?: string;
  /** An `at` in the past runs at once instead of being refused. */
  allowPast?: boolean;
  /** Recurring: a cron pattern, in `tz` (UTC by default). */
  cron?: string;
  /** Recurring: every this many ms (or a duration string). */
  every?: number | string;
}

/** A schedule that runs once: now, after a delay, or at an instant. */
export type OneOffSchedule = Omit<Schedule, 'cron' | 'every'> & { cron?: undefined; every?: undefined };
/** A schedule that recurs. */
export type RecurringSchedule = (
  | { cron: string; every?: undefined }
  | { every: number | string; cron?: undefined }
) & {
  tz?: string;
};

export type ResolvedSchedule =
  | { kind: 'once'; delayMs: number; runAt: number }
  | { kind: 'cron'; pattern: string; tz: string }
  | { kind: 'every'; everyMs: number };

// An offset only counts after a time: '2026-03-09' ends in '-09' but has none.
const OFFSET = /T[\d:.,]+(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;
const FIELDS = new Set(['delay', 'at', 'tz', 'allowPast', 'cron', 'every']);
// Five or six space-separated cron fields; the scheduler validates the fields themselves.
const CRON = /^\s*(\S+\s+){4,5}\S+\s*$/;

/**
 * BullMQ has no "run at": the delay is computed once, here, as `at - now`. A past `at` is refused
 * unless `allowPast` says to run it now; a time written without an offset needs `tz`.
 */
export function resolveSchedule(schedule: Schedule | undefined, now: number): ResolvedSchedule {
  if (schedule === undefined) return { kind: 'once', delayMs: 0, runAt: now };
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule)) {
    throw ValidationError.field('schedule', 'expected an object');
  }
  const unknown = Object.keys(schedule).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    const message = 'unknown field; expected delay, at, tz, allowPast, cron or every';
    throw new ValidationError(unknown.map((k) => ({ path: `schedule.${k}`, message })));
  }
  const forms = (['delay', 'at', 'cron', 'every'] as const).filter((k) => schedule[k] !== undefined);
  if (forms.length > 1)
    throw ValidationError.field(
      'schedule',
      `use one of delay, at, cron or every, not ${forms.join(' and ')}`,
    );
  const tz = schedule.tz === undefined ? undefined : zoneOf(schedule.tz);
  if (schedule.cron !== undefined) {
    if (typeof schedule.cron !== 'string' || !CRON.test(schedule.cron)) {
      throw ValidationError.field(
        'schedule.cron',
        `expected a cron pattern such as '0 9 * * 1-5', received ${JSON.stringify(schedule.cron)}`,
      );
    }
    const pattern = schedule.cron.trim();
    try {
      // The parser BullMQ's schedulers use: what passes here, they accept.
      CronExpressionParser.parse(pattern, { tz: tz ?? 'UTC' });
    } catch (error) {
      throw ValidationError.field(
        'schedule.cron',
        `invalid cron pattern '${pattern}': ${(error as Error).message}`,
      );
    }
    return { kind: 'cron', pattern, tz: tz ?? 'UTC' };
  }
  if (schedule.every !== undefined) {
    const everyMs = parseDuration(schedule.every, 'schedule.every');
    if (everyMs < 1) throw ValidationError.field('schedule.every', 'expected at least 1 ms');
    return { kind: 'every', everyMs };
  }
  if (schedule.delay !== undefined) {
    const delayMs = parseDuration(schedule.delay, 'schedule.delay');
    return { kind: 'once', delayMs, runAt: now + delayMs };
  }
  if (schedule.at !== undefined) {
    const runAt = instantOf(schedule.at, tz);
    if (runAt < now && !schedule.allowPast) {
      throw ValidationError.field(
        'schedule.at',
        `${new Date(runAt).toISOString()} is in the past; pass allowPast: true to run it now`,
      );
    }
    return { kind: 'once', delayMs: Math.max(0, runAt - now), runAt: Math.max(runAt, now) };
  }
  return { kind: 'once', delayMs: 0, runAt: now };
}

function instantOf(at: unknown, tz: string | undefined): number {
  if (at instanceof Date) {
    if (Number.isNaN(at.getTime())) throw ValidationError.field('schedule.at', 'expected a valid Date');
    return at.getTime();
  }
  if (DateTime.isDateTime(at)) {
    if (!at.isValid) throw ValidationError.field('schedule.at', `invalid DateTime: ${at.invalidExplanation}`);
    return at.toMillis();
  }
  if (typeof at === 'string') {
    const text = at.trim();
    if (!OFFSET.test(text) && !tz) {
      throw ValidationError.field(
        'schedule.at',
        `'${at}' has no offset; add one ('2026-12-25T09:00:00+01:00', 'Z') or pass schedule.tz ('Europe/Berlin')`,
      );
    }
    const parsed = OFFSET.test(text)
      ? DateTime.fromISO(text, { setZone: true })
      : DateTime.fromISO(text, { zone: tz });
    if (!parsed.isValid)
      throw ValidationError.field('schedule.at', `expected an ISO 8601 date-time, received '${at}'`);
    return parsed.toMillis();
  }
  throw ValidationError.field('schedule.at', 'expected a Date, an ISO 8601 string or a luxon DateTime');
}

function zoneOf(tz: unknown): string {
  if (typeof tz !== 'string' || !IANAZone.isValidZone(tz)) {
    throw ValidationError.field(
      'schedule.tz',
      `expected an IANA time zone such as 'Europe/Berlin', received ${JSON.stringify(tz)}`,
    );
  }
  return tz;
}
