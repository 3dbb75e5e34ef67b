import { describe, expect, it } from 'vitest';
import type { HealthcheckDefinition } from '../../../src/core/health/healthcheck-schema.js';
import { probeTimeout } from '../../../src/health/probe-runner.js';
import { ModelKit } from './model-kit.js';

describe('probes', () => {
  it('hysteresis: M failures in a row to eject, N passes in a row to come back; one pass alone never flips it', () => {
    const m = new ModelKit({ slowStartMs: 0 });
    const rules = { failures: 3, passes: 2 };
    m.probe(true, rules);
    expect(m.phase.phase).toBe('healthy');
    m.probe(false, rules).probe(false, rules).probe(true, rules).probe(false, rules).probe(false, rules);
    expect(m.phase.phase).toBe('healthy'); // never 3 in a row
    m.probe(false, rules);
    expect(m.phase).toMatchObject({ phase: 'ejected', reason: 'probe', until: null });
    expect(m.state.probe).toMatchObject({ status: 'unhealthy', failures: 3 });
    m.probe(true, rules);
    expect(m.phase).toMatchObject({ phase: 'trial', status: 'unhealthy' }); // one pass: on trial
    expect(m.state.probe.status).toBe('unhealthy');
    m.probe(true, rules);
    expect(m.phase.phase).toBe('healthy'); // N passes: back
    expect(m.state.probe).toMatchObject({ status: 'healthy', passes: 2 });
  });

  it('failed probes do not eject a provider that live traffic shows working (30 % errors); without traffic they do', () => {
    const m = new ModelKit({ failureRate: { threshold: 50, minVolume: 20 } });
    m.probe(true);
    for (let i = 0; i < 10; i++) m.succeed(2).fail(1);
    m.probe(false).probe(false).probe(false);
    expect(m.phase.phase).toBe('healthy');
    expect(m.state.probe.status).toBe('unhealthy'); // the probes' own verdict stays on record
    const idle = new ModelKit();
    idle.probe(true).probe(false).probe(false);
    expect(idle.phase.reason).toBe('probe');
  });

  it('a probe failing while on trial ejects again; only consecutive passes count', () => {
    const m = new ModelKit();
    m.probe(false).probe(false).probe(true);
    expect(m.phase.phase).toBe('trial');
    m.probe(false);
    expect(m.phase).toMatchObject({ phase: 'ejected', reason: 'probe' });
    m.probe(true);
    expect(m.phase.phase).toBe('trial');
  });

  it('one passing probe ends a live ejection early (trial); a good trial call brings the provider back with slow start', async () => {
    const m = new ModelKit({ slowStartMs: 4_000 });
    m.probe(true).fail(5);
    expect(m.phase).toMatchObject({ phase: 'ejected', reason: 'consecutive-failures', until: m.now + 5_000 });
    await m.wait(300);
    m.probe(true);
    expect(m.phase).toMatchObject({ phase: 'trial', since: m.now });
    await m.wait(20);
    m.succeed();
    expect(m.phase).toMatchObject({ phase: 'ramping', status: 'healthy', until: m.now + 4_000 });
    expect(m.phase.share).toBeCloseTo(0.1);
    await m.wait(2_000);
    expect(m.phase.share).toBeCloseTo(0.55);
    await m.wait(2_000);
    expect(m.phase).toMatchObject({ phase: 'healthy', share: 1 });
  });

  it('passes since the ejection bring the provider back without traffic; a failed trial call ejects it for longer', async () => {
    const m = new ModelKit({ slowStartMs: 0 });
    m.probe(true).fail(5).probe(true);
    await m.wait(20);
    m.fail(1);
    expect(m.phase).toMatchObject({ phase: 'ejected', until: m.now + 10_000 });
    expect(m.state.ejections).toBe(2);
    m.probe(true).probe(true);
    expect(m.phase.phase).toBe('healthy');
  });

  it('an operator ejection and a Retry-After hold whatever probes say; time ends them', async () => {
    const m = new ModelKit();
    m.probe(true).call('failure', 10, { code: 'X', status: 503, retryAfterMs: 2_000 });
    m.probe(true).probe(true);
    expect(m.phase.phase).toBe('cooling');
    await m.wait(2_000);
    expect(m.phase.phase).toBe('healthy');
  });

  it("bounds a probe's timeout by its interval (a check_interval override included)", () => {
    const hc = { timeout: 10_000, interval: 1_000 } as HealthcheckDefinition;
    expect(probeTimeout(hc, undefined)).toBe(1_000);
    expect(probeTimeout(hc, 500)).toBe(500);
    expect(probeTimeout({ ...hc, timeout: 200 }, 1_000)).toBe(200);
  });
});
