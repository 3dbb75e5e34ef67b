import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from '../../src/observability/fast-metrics.js';

/** The fast metrics expose exactly what prom-client's own would for the same observations. */
describe('fast metrics', () => {
  const buckets = [0.01, 0.1, 1];
  const observations: [number, string, string][] = [
    [0.005, 'stripe', 'success'],
    [0.05, 'stripe', 'success'],
    [0.5, 'paypal', 'failure'],
    [5, 'stripe', 'success'],
    [0.1, 'stripe', 'success'],
  ];

  it('counter and histogram expositions match prom-client', async () => {
    const fast = new Registry();
    const reference = new Registry();
    const options = (registry: Registry) => ({
      name: 'x_duration_seconds',
      help: 'h',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    });
    const fastHistogram = new FastHistogram(options(fast), buckets);
    const histogram = new Histogram({ ...options(reference), buckets });
    const fastCounter = new FastCounter({ ...options(fast), name: 'x_total' });
    const counter = new Counter({ ...options(reference), name: 'x_total' });
    for (const [value, provider, outcome] of observations) {
      fastHistogram.observe(value, provider, outcome);
      histogram.observe({ provider, outcome }, value);
      fastCounter.inc(provider, outcome);
      counter.inc({ provider, outcome });
    }
    expect(await fast.metrics()).toBe(await reference.metrics());
  });
});
