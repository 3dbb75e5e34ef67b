import { describe, expect, it } from 'vitest';
import { streakNeeded } from '../../../src/core/health/apply-live.js';
import { DEFAULT_HEALTH_POLICY } from '../../../src/core/health/health-policy.js';
import { ModelKit } from './model-kit.js';

describe('ejection by consecutive failures', () => {
  it('ejects after 5 failures in a row; a success in between starts the count again', () => {
    const m = new ModelKit();
    m.fail(4).succeed().fail(4);
    expect(m.phase.phase).toBe('unknown');
    expect(m.streak).toBeCloseTo(4 * 1.01);
    m.fail();
    expect(m.phase).toMatchObject({ phase: 'ejected', status: 'unhealthy', reason: 'consecutive-failures' });
  });

  it('weighs a failure by its cost: two 2 s timeouts count as six 10 ms failures', () => {
    const m = new ModelKit();
    m.call('failure', 2_000, { code: 'BACKSTOP_ATTEMPT_TIMEOUT' });
    expect(m.streak).toBe(3);
    m.call('failure', 2_000, { code: 'BACKSTOP_ATTEMPT_TIMEOUT' });
    expect(m.phase.reason).toBe('consecutive-failures');
  });

  it('orders successes and failures of different processes by when they ended (interleaved successes count)', () => {
    const m = new ModelKit({ consecutiveFailures: 3 });
    // Three failures here, each followed by another process's success that ended later: never 3 in a row.
    const policy = m.policy;
    for (let i = 0; i < 3; i++) {
      const t = m.now + i * 10;
      m.signals([
        { kind: 'failure', policy, startedAt: t - 5, endedAt: t, weight: 1, slow: false },
        { kind: 'success', policy, startedAt: t, endedAt: t + 1, count: 1 },
      ]);
    }
    expect(m.phase.phase).not.toBe('ejected');
    // A success that ended before the failures does not reset the streak they make.
    const t = m.now + 100;
    m.signals([
      { kind: 'failure', policy, startedAt: t - 5, endedAt: t, weight: 1, slow: false },
      { kind: 'failure', policy, startedAt: t - 5, endedAt: t + 1, weight: 1, slow: false },
      { kind: 'success', policy, startedAt: t - 20, endedAt: t - 10, count: 5 },
      { kind: 'failure', policy, startedAt: t - 5, endedAt: t + 2, weight: 1, slow: false },
    ]);
    expect(m.phase.reason).toBe('consecutive-failures');
  });

  it('waits out a confirmation window in which a success another process reports late cancels the ejection', async () => {
    const m = new ModelKit({ consecutiveFailures: 3, ejection: { confirmMs: 50 } });
    const policy = m.policy;
    const t = m.now;
    const failure = (at: number) => ({
      kind: 'failure' as const,
      policy,
      startedAt: at - 5,
      endedAt: at,
      weight: 1,
      slow: false,
    });
    m.signals([failure(t - 30), failure(t - 20), failure(t - 10)]);
    expect(m.phase.phase).toBe('unknown'); // decided, not yet in force
    expect(m.state.pending?.ejection).toMatchObject({ reason: 'consecutive-failures', at: t + 50 });
    // Another process's success that ended between the second and third failure arrives within the window.
    m.signals([{ kind: 'success', policy, startedAt: t - 20, endedAt: t - 15, count: 1 }]);
    expect(m.state.pending).toBeNull();
    expect(m.streak).toBe(1);
    m.fail(2);
    await m.wait(49);
    expect(m.phase.phase).toBe('unknown');
    await m.wait(1);
    expect(m.phase).toMatchObject({ phase: 'ejected', since: m.now, until: m.now + 5_000 }); // in force, no write needed
    m.succeed(); // a call that started before it took effect changes nothing
    expect(m.phase.phase).toBe('ejected');
    expect(m.state.ejection).toMatchObject({ reason: 'consecutive-failures' }); // the next write makes it real
  });

  it('asks a longer streak of a provider that already fails a share of calls (30 % errors are not an outage)', () => {
    const p = DEFAULT_HEALTH_POLICY;
    expect(streakNeeded(5, { calls: 100, failures: 5 }, 5, p)).toBe(5); // a clean provider: 5
    expect(streakNeeded(5, { calls: 105, failures: 35 }, 5, p)).toBe(10); // 30 % before the streak: 10
    expect(streakNeeded(5, { calls: 15, failures: 10 }, 5, p)).toBe(5); // too few calls to judge: 5
    expect(streakNeeded(5, { calls: 200, failures: 99 }, 5, p)).toBe(16); // 48 % before: 16
    const m = new ModelKit({ failureRate: { threshold: 0 } });
    for (let i = 0; i < 10; i++) m.succeed(7).fail(3); // 30 %, 3 in a row at most
    m.fail(6);
    expect(m.phase.phase).toBe('unknown');
    m.fail(4);
    expect(m.phase.reason).toBe('consecutive-failures');
  });
});

describe('ejection by failure rate', () => {
  it('ejects at 50 % failures over the window once it holds 20 calls, not before', () => {
    const m = new ModelKit({ consecutiveFailures: 0 });
    for (let i = 0; i < 9; i++) m.succeed().fail();
    expect(m.phase.phase).toBe('unknown'); // 18 calls
    m.succeed().fail();
    expect(m.phase).toMatchObject({ phase: 'ejected', reason: 'failure-rate' });
  });

  it('forgets what is older than the window', async () => {
    const m = new ModelKit({ consecutiveFailures: 0, failureRate: { windowMs: 1_000 } });
    m.fail(9);
    await m.wait(1_500);
    m.succeed(11);
    m.fail(1);
    expect(m.phase.phase).toBe('unknown'); // 1 of 12 in the window
  });
});

describe('ejection by latency', () => {
  it('counts a call slower than the threshold as a failure (weighed by its cost) with the reason latency', () => {
    const m = new ModelKit({ latency: { thresholdMs: 200 } });
    for (let i = 0; i < 3; i++) m.call('success', 300, undefined, 200);
    expect(m.phase.phase).toBe('unknown');
    expect(m.streak).toBeCloseTo(3 * 1.3);
    m.call('success', 300, undefined, 200);
    expect(m.phase).toMatchObject({ phase: 'ejected', reason: 'latency' });
  });
});

describe('ejection time', () => {
  it('grows with ejections in a row (base × count), is capped, and starts over after a stretch in rotation', async () => {
    const m = new ModelKit({ ejection: { baseMs: 1_000, maxMs: 2_500 }, slowStartMs: 0 });
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      m.fail(5);
      times.push(m.phase.until! - m.now);
      await m.wait(m.phase.until! - m.now + 10); // time over: trial (a call takes 10 ms)
      expect(m.phase.phase).toBe('trial');
      m.fail(1); // the trial call fails...
      times.push(m.phase.until! - m.now);
      await m.wait(m.phase.until! - m.now + 10);
      m.succeed(); // ...the next one succeeds
      expect(m.phase).toMatchObject({ phase: 'unknown', share: 1 }); // in rotation (no probe ever ran)
    }
    expect(times).toEqual([1_000, 2_000, 2_500, 2_500, 2_500, 2_500, 2_500, 2_500]);
    await m.wait(2_500); // in rotation for maxMs: the count starts over
    m.fail(5);
    expect(m.phase.until! - m.now).toBe(1_000);
  });

  it('is never extended by failures of calls that started before it', async () => {
    const m = new ModelKit();
    m.fail(5);
    const until = m.phase.until;
    await m.wait(1_000);
    m.call('failure', 2_000, { code: 'BACKSTOP_ATTEMPT_TIMEOUT' }); // in flight when it was ejected
    expect(m.phase.until).toBe(until);
    expect(m.state.ejections).toBe(1);
    await m.wait(until! - m.now);
    expect(m.phase.phase).toBe('trial');
    m.call('failure', 6_000, { code: 'BACKSTOP_ATTEMPT_TIMEOUT' }); // started before the trial: ignored
    expect(m.phase.phase).toBe('trial');
  });
});

describe('per-failure policy', () => {
  it('429 or 503 with Retry-After cools the provider down for exactly that long, then it is back at once', async () => {
    const m = new ModelKit();
    m.call('failure', 10, { code: 'BACKSTOP_PROVIDER_HTTP', status: 429, retryAfterMs: 7_000 });
    expect(m.phase).toMatchObject({ phase: 'cooling', reason: 'retry-after', until: m.now + 7_000 });
    m.probe(true); // probes do not end a cool-down the provider asked for
    expect(m.phase.phase).toBe('cooling');
    await m.wait(6_999);
    expect(m.phase.phase).toBe('cooling');
    await m.wait(1);
    expect(m.phase.phase).toBe('healthy');
    expect(m.state.ejections).toBe(0);
  });

  it('401 / 403 eject at once with an alert; `authFailures: count` counts them as failures', () => {
    const m = new ModelKit();
    m.call('rejected', 10, { code: 'BACKSTOP_PROVIDER_HTTP', status: 401 });
    expect(m.phase).toMatchObject({ phase: 'ejected', reason: 'auth', alert: true });
    const counted = new ModelKit({ authFailures: 'count' });
    counted.call('rejected', 10, { code: 'BACKSTOP_PROVIDER_HTTP', status: 403 });
    expect(counted.phase.phase).toBe('unknown');
    expect(counted.streak).toBeCloseTo(1.01);
  });

  it('a refusal about the request (400) says the provider is up', () => {
    const m = new ModelKit();
    m.fail(4).call('rejected', 10, { code: 'BACKSTOP_PROVIDER_HTTP', status: 400 }).fail(4);
    expect(m.phase.phase).toBe('unknown');
  });
});
