import { Duration } from 'luxon';
import { ValidationError } from './validation-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SHORT = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Milliseconds from a number, a short duration (`'500ms'`, `'5s'`, `'10m'`, `'2h'`, `'1d'`) or ISO 8601 (`'PT5S'`). */
export function parseDuration(value: unknown, path: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
    throw ValidationError.field(path, `expected a duration of 0 ms or more, received ${value}`);
  }
  if (typeof value === 'string') {
    const short = SHORT.exec(value.trim());
    if (short) return Math.round(Number(short[1]) * UNITS[short[2]!]!);
    if (/^P/i.test(value.trim())) {
      const iso = Duration.fromISO(value.trim().toUpperCase());
      if (iso.isValid) return iso.toMillis();
    }
  }
  throw ValidationError.field(
    path,
    `expected ms or a duration such as '5s', '10m', '2h' or 'PT5S', received ${JSON.stringify(value)}`,
  );
}
