import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/duration.js';
import { HOUR, SECOND, validationError } from '../helpers/schedules.js';

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
