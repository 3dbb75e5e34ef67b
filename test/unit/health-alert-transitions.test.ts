import { describe, expect, it } from 'vitest';
import { alertReason, alertTransition } from '../../src/core/health/alert.js';
import { INITIAL_STATE, type ProviderState } from '../../src/core/health/provider-state.js';

const NOW = 1_700_000_000_000;

function ejected(
  reason: 'probe' | 'retry-after' | 'consecutive-failures',
  until: number | null = NOW + 60_000,
) {
  return {
    ...INITIAL_STATE,
    ejection: { reason, at: NOW - 1_000, until, trialSince: null },
    change: { at: NOW - 1_000, reason },
  } as unknown as ProviderState;
}

/** Which state writes are alert transitions: out of rotation and back, once each, never a cool-down. */
describe('healthcheck alert transitions', () => {
  it('going out of rotation is one transition, staying out is none', () => {
    expect(alertTransition(INITIAL_STATE, ejected('probe'), NOW)).toBe('unhealthy');
    expect(alertTransition(undefined, ejected('consecutive-failures'), NOW)).toBe('unhealthy');
    expect(alertTransition(ejected('probe'), ejected('probe', NOW + 120_000), NOW)).toBeUndefined();
    expect(alertReason(ejected('probe'), 'unhealthy')).toBe('probe');
  });

  it('an ejection whose time is over is still out (on trial) until a write brings it back', () => {
    const onTrial = ejected('probe', NOW - 1);
    expect(alertTransition(ejected('probe'), onTrial, NOW)).toBeUndefined();
    const back = { ...INITIAL_STATE, change: { at: NOW, reason: 'probe-passed' } } as ProviderState;
    expect(alertTransition(onTrial, back, NOW)).toBe('recovered');
    expect(alertReason(back, 'recovered')).toBe('probe-passed');
  });

  it("a Retry-After cool-down is the provider's request, not a failure: no alert either way", () => {
    expect(alertTransition(INITIAL_STATE, ejected('retry-after'), NOW)).toBeUndefined();
    expect(alertTransition(ejected('retry-after'), INITIAL_STATE, NOW)).toBeUndefined();
  });
});
