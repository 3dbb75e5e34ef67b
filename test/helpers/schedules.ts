import { expect } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { resolveSchedule, type Schedule } from '../../src/core/schedule.js';
import { ValidationError } from '../../src/core/validation-error.js';

// A fixed "now": Saturday 2026-03-07 12:00 UTC, the day before the US switches to daylight time
// (2026-03-08 02:00 America/New_York) and three weeks before Europe does (2026-03-29).
export const NOW = Date.UTC(2026, 2, 7, 12, 0, 0);
export const SECOND = 1_000;
export const HOUR = 3_600_000;

/** The ValidationError `fn` throws; fails the test when it returns. */
export function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(ErrorCodes.VALIDATION);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

/** The ValidationError resolving `schedule` at NOW throws. */
export function rejects(schedule: unknown, now = NOW): ValidationError {
  return validationError(() => resolveSchedule(schedule as Schedule, now));
}
