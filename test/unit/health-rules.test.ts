import { describe, expect, it } from 'vitest';
import { bucketOf, quantile } from '../../src/core/health/latency-histogram.js';

describe('latency histogram', () => {
  it('buckets latencies and reads quantiles as bucket upper bounds', () => {
    expect(bucketOf(3)).toBe(0);
    expect(bucketOf(5)).toBe(0);
    expect(bucketOf(6)).toBe(1);
    expect(bucketOf(120_000)).toBe(13);
    const counts = new Array(14).fill(0);
    counts[bucketOf(8)] = 90; // ≤ 10 ms
    counts[bucketOf(400)] = 10; // ≤ 500 ms
    expect(quantile(counts, 0.5)).toBe(10);
    expect(quantile(counts, 0.95)).toBe(500);
    expect(quantile(new Array(14).fill(0), 0.5)).toBeNull();
  });
});
