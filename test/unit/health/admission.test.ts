import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/core/event-bus.js';
import type { HealthChangedEvent } from '../../../src/core/events.js';
import { eject, recover } from '../../../src/core/health/ejection.js';
import { DEFAULT_HEALTH_POLICY } from '../../../src/core/health/health-policy.js';
import { INITIAL_STATE } from '../../../src/core/health/provider-state.js';
import { ShareGate } from '../../../src/core/health/share-gate.js';
import { silentLogger } from '../../../src/core/logger.js';
import { HealthSnapshot } from '../../../src/health/health-snapshot.js';
import { phaseEvents } from '../../../src/health/phase-events.js';
import { TrialGate } from '../../../src/health/trial-gate.js';
import { FakeClock, settle } from '../../helpers/fake-clock.js';

const KEY = { product: 'p', env: 'prd', healthcheck: 'stripe' };
const policy = { ...DEFAULT_HEALTH_POLICY, slowStartMs: 4_000, trialCalls: 1 };

/**
 * Processes sharing one trial budget, as Redis holds it: a map of claims per trial. Each process
 * has its own snapshot on the same fake clock, as each worker has its own.
 */
function processes(count: number) {
  const clock = new FakeClock();
  const claims = new Map<number, number>();
  const budget = async (_key: unknown, ejectedAt: number, max: number) => {
    const n = (claims.get(ejectedAt) ?? 0) + 1;
    claims.set(ejectedAt, n);
    return n <= max;
  };
  const snapshots = Array.from(
    { length: count },
    () => new HealthSnapshot(clock, new TrialGate(budget, () => clock.now(), silentLogger), silentLogger),
  );
  let version = 0;
  const write = (state: typeof INITIAL_STATE) => {
    version++;
    for (const s of snapshots) s.put(KEY, version, state);
  };
  return { clock, snapshots, write };
}

describe('admission from the local snapshot', () => {
  it('keeps an ejected provider out; on trial, lets through trial calls from the budget shared by every process', async () => {
    const { clock, snapshots, write } = processes(3);
    const [a, b, c] = snapshots as [HealthSnapshot, HealthSnapshot, HealthSnapshot];
    const ejected = eject(INITIAL_STATE, 'consecutive-failures', clock.now(), policy);
    write(ejected);
    expect([a.admit(KEY), b.admit(KEY), c.admit(KEY)]).toEqual([false, false, false]);
    await clock.advance(5_000); // the ejection time is over: trial
    await settle();
    // Each process had asked for it, so each claimed a trial call when the trial began: one won.
    const admitted = [a, b, c].flatMap((s) => [s.admit(KEY), s.admit(KEY), s.admit(KEY)]);
    expect(admitted.filter(Boolean)).toHaveLength(1);
    write(recover(ejected, clock.now(), 'trial-succeeded'));
    expect(a.admit(KEY)).toBe(true); // ramping: the first call in is admitted
  });

  it('ramps a recovered provider from 10 % to 100 % of runs over the slow start', async () => {
    const { clock, snapshots, write } = processes(1);
    const s = snapshots[0]!;
    write(recover(eject(INITIAL_STATE, 'latency', clock.now(), policy), clock.now(), 'trial-succeeded'));
    const share = () => {
      let n = 0;
      for (let i = 0; i < 200; i++) if (s.admit(KEY)) n++;
      return n / 200;
    };
    expect(share()).toBeCloseTo(0.1, 1);
    await clock.advance(2_000);
    expect(share()).toBeCloseTo(0.55, 1);
    await clock.advance(2_000);
    expect(share()).toBe(1);
  });

  it('ShareGate admits the first call and tracks a changing share without bursts', () => {
    const gate = new ShareGate(0);
    expect(gate.admit(0.1)).toBe(true);
    let n = 0;
    for (let i = 0; i < 100; i++) if (gate.admit(0.1)) n++;
    expect(n).toBeLessThanOrEqual(10);
    let burst = 0;
    for (let i = 0; i < 10; i++) if (gate.admit(1)) burst++;
    expect(burst).toBe(10);
  });
});

describe('health.changed', () => {
  it('is emitted on every phase change with its reason, including those time alone brings', async () => {
    const { clock, snapshots, write } = processes(1);
    const bus = new EventBus();
    const seen: HealthChangedEvent[] = [];
    bus.on('health.changed', (e) => seen.push(e));
    snapshots[0]!.onPhase(phaseEvents(bus, () => clock.now()));
    const ejected = eject(INITIAL_STATE, 'auth', clock.now(), policy);
    write(ejected);
    await clock.advance(5_000);
    write(recover(ejected, clock.now(), 'trial-succeeded'));
    await clock.advance(4_000);
    expect(seen.map((e) => [e.state, e.status, e.reason, e.alert])).toEqual([
      ['ejected', 'unhealthy', 'auth', true],
      ['trial', 'unhealthy', 'ejection-time-over', true],
      ['ramping', 'healthy', 'trial-succeeded', false],
      ['unknown', 'unknown', 'slow-start-over', false],
    ]);
    expect(seen[0]!.until).toBe(seen[0]!.at + 5_000);
  });
});
