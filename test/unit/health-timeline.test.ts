import { describe, expect, it } from 'vitest';
import { timeline } from '../../src/http/dashboard/latency-summary.js';

const bucket = (minute: number, success: number, failure: number, skipped: number) => ({
  start: new Date(minute * 60_000).toISOString(),
  success,
  failure,
  skipped,
  p50: null,
  p95: null,
  p99: null,
});

describe("the health page's timeline", () => {
  it('has a cell a minute, oldest first, by what the calls did', () => {
    const now = 1_000 * 60_000 + 30_000; // half-way through minute 1000
    const cells = timeline(
      [
        bucket(995, 10, 0, 0),
        bucket(996, 95, 5, 0),
        bucket(997, 5, 5, 0),
        bucket(998, 0, 0, 4),
        bucket(1000, 1, 0, 3),
      ],
      now,
      6,
    );
    expect(cells).toEqual(['good', 'warn', 'bad', 'skipped', 'idle', 'good']);
  });
});
