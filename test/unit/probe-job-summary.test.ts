import { describe, expect, it } from 'vitest';
import { probeJobListName } from '../../src/http/dashboard/probe-job-summary.js';

describe("probe jobs' names in Bull Board", () => {
  it('a round says how many probes it ran and which failed', () => {
    const returnvalue = {
      round: 1_000,
      probes: 20,
      passed: 18,
      failed: 1,
      skipped: 1,
      errors: 0,
      failing: ['stripe-health/prd'],
    };
    expect(probeJobListName({ name: 'round.1000ms', returnvalue })).toBe(
      'round.1000ms · 20 probes · 18 passed · 1 failed: stripe-health/prd · 1 skipped',
    );
    expect(probeJobListName({ name: 'round.1000ms' })).toBe('round.1000ms'); // not run yet
    expect(probeJobListName({ name: 'round.1000ms', failedReason: 'Connection is closed.' })).toBe(
      'round.1000ms · failed',
    );
  });

  it('a single probe of an earlier version says its verdict', () => {
    expect(probeJobListName({ name: 'stripe-health', returnvalue: { ok: false, latencyMs: 3 } })).toBe(
      'stripe-health · failed',
    );
    expect(
      probeJobListName({ name: 'stripe-health', returnvalue: { skipped: 'healthcheck no longer exists' } }),
    ).toBe('stripe-health · skipped');
  });
});
