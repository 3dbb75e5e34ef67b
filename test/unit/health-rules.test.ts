import { describe, expect, it } from 'vitest';
import { applyCall, CLOSED, phaseOf } from '../../src/core/health/circuit.js';
import { bucketOf, quantile } from '../../src/core/health/latency-histogram.js';
import { mergedStatus } from '../../src/core/health/merge.js';
import { applyProbe, UNKNOWN_PROBE } from '../../src/core/health/probe-state.js';

describe('probe state', () => {
  const fail = (at: number) => ({ ok: false, latencyMs: 100, at });
  const pass = (at: number) => ({ ok: true, latencyMs: 50, at });

  it('marks unhealthy only after `retries` consecutive failures, healthy after one success', () => {
    let state = applyProbe(UNKNOWN_PROBE, pass(1), 2);
    expect(state.status).toBe('healthy');
    state = applyProbe(state, fail(2), 2);
    expect(state).toMatchObject({ status: 'healthy', failures: 1, lastAvailable: false });
    state = applyProbe(state, fail(3), 2);
    expect(state).toMatchObject({ status: 'unhealthy', failures: 2, lastChecked: 3 });
    state = applyProbe(state, pass(4), 2);
    expect(state).toMatchObject({ status: 'healthy', failures: 0, lastAvailable: true });
  });

  it('treats retries 0 as one failure, and keeps a rolling latency average', () => {
    const state = applyProbe(UNKNOWN_PROBE, fail(1), 0);
    expect(state.status).toBe('unhealthy');
    const next = applyProbe(state, { ok: true, latencyMs: 200, at: 2 }, 0);
    expect(next.avgLatencyMs).toBe(120); // 100 + 0.2 * (200 - 100)
    expect(next.lastLatencyMs).toBe(200);
  });
});

describe('circuit', () => {
  const policy = { threshold: 3, cooldownMs: 1_000 };

  it('opens after `threshold` consecutive failures, half-opens after the cooldown', () => {
    let state = CLOSED;
    state = applyCall(state, false, 0, policy);
    state = applyCall(state, false, 0, policy);
    expect(phaseOf(state, 0)).toBe('closed');
    state = applyCall(state, false, 10, policy);
    expect(phaseOf(state, 10)).toBe('open');
    expect(phaseOf(state, 1_009)).toBe('open');
    expect(phaseOf(state, 1_010)).toBe('half-open');
  });

  it('a success closes it; a failed trial reopens it for another cooldown', () => {
    const open = { failures: 3, openUntil: 1_000 };
    expect(applyCall(open, true, 1_500, policy)).toEqual(CLOSED);
    const reopened = applyCall(open, false, 1_500, policy);
    expect(reopened.openUntil).toBe(2_500);
  });

  it('successes in between reset the count: failures must be consecutive', () => {
    let state = applyCall(CLOSED, false, 0, policy);
    state = applyCall(state, false, 0, policy);
    state = applyCall(state, true, 0, policy);
    state = applyCall(state, false, 0, policy);
    expect(phaseOf(state, 0)).toBe('closed');
  });
});

describe('merged status', () => {
  it('an open circuit wins; otherwise the probes decide', () => {
    const healthy = applyProbe(UNKNOWN_PROBE, { ok: true, latencyMs: 1, at: 0 }, 1);
    expect(mergedStatus(healthy, { failures: 5, openUntil: 100 }, 50)).toBe('unhealthy');
    expect(mergedStatus(healthy, { failures: 5, openUntil: 100 }, 150)).toBe('healthy'); // half-open: the next call is the trial
    expect(mergedStatus(UNKNOWN_PROBE, CLOSED, 0)).toBe('unknown');
  });
});

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
