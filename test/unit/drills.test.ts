import { describe, expect, it } from 'vitest';
import type { ProviderSpec } from '../../src/core/chain.js';
import { type Drill, type DrillView, drillCovers, drillRequestSchema } from '../../src/core/drill.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { chain, provider } from '../helpers/chains.js';
import { counted, engine, ok } from '../helpers/engine.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { seeded } from '../helpers/idempotent-provider.js';

const NOW = new FakeClock().now();

function drill(extra: Partial<Drill>): Drill {
  return { id: 'd1', product: 'p', env: 'prd', mode: 'down', startedAt: NOW, endsAt: NOW + 60_000, ...extra };
}

/** The drills of a test, as a process's local view would hold them. */
function view(...drills: Drill[]): DrillView {
  return {
    find: (product, env, p: ProviderSpec, now) => drills.find((d) => drillCovers(d, product, env, p, now)),
  };
}

describe('failover drills in the engine', () => {
  it("'down' fails every attempt without calling the provider, and the run fails over", async () => {
    const { run } = engine({ drills: view(drill({ provider: 'stripe' })) });
    const stripe = counted();
    const outcome = await run(
      chain([provider('stripe', stripe.fn, { retries: 2 }), provider('paypal', ok({}))]),
    );
    expect(stripe.calls).toBe(0);
    expect(outcome.ok && outcome.provider).toBe('paypal');
    expect(outcome.attempts.map((a) => [a.provider, a.outcome, a.drill])).toEqual([
      ['stripe', 'failure', true],
      ['stripe', 'failure', true],
      ['stripe', 'failure', true],
      ['paypal', 'success', undefined],
    ]);
    expect(outcome.attempts[0]!.error).toMatchObject({ sent: false, verdict: 'retry' });
    expect(outcome.attempts[0]!.error!.message).toContain('drill d1');
  });

  it('covers the providers of a healthcheck by tag, in its product and env only', () => {
    const d = drill({ tag: 'stripe-health' });
    const checked = provider('stripe', ok({}), { healthcheck: 'stripe-health' });
    expect(drillCovers(d, 'p', 'prd', checked, NOW)).toBe(true);
    expect(drillCovers(d, 'p', 'stg', checked, NOW)).toBe(false);
    expect(drillCovers(d, 'other', 'prd', checked, NOW)).toBe(false);
    expect(drillCovers(d, 'p', 'prd', provider('stripe', ok({})), NOW)).toBe(false);
    // Ends by itself: at its end time it covers nothing.
    expect(drillCovers(d, 'p', 'prd', checked, d.endsAt)).toBe(false);
  });

  it("'error-rate' fails its share of attempts, drawn from the engine's random source", async () => {
    const { run } = engine({
      drills: view(drill({ provider: 'a', mode: 'error-rate', rate: 0.3 })),
      random: seeded(4),
    });
    const a = counted();
    let failedOver = 0;
    for (let i = 0; i < 2_000; i++) {
      const outcome = await run(chain([provider('a', a.fn), provider('b', ok({}))]));
      if (outcome.ok && outcome.provider === 'b') failedOver++;
    }
    expect(Math.abs(failedOver / 2_000 - 0.3)).toBeLessThan(0.03);
    expect(a.calls).toBe(2_000 - failedOver);
  });

  it("'slow' waits its latency before calling, and times the attempt out when that is past the timeout", async () => {
    const clock = new FakeClock();
    const drills = view(drill({ provider: 'a', mode: 'slow', latencyMs: 500 }));
    const { run } = engine({ clock, drills });
    const a = counted();
    const pending = run(chain([provider('a', a.fn, { timeoutMs: 1_000 }), provider('b', ok({}))]));
    await clock.advance(499);
    expect(a.calls).toBe(0);
    await clock.advance(1);
    const outcome = await pending;
    expect(a.calls).toBe(1);
    expect(outcome.ok && outcome.provider).toBe('a');
    expect(outcome.attempts[0]).toMatchObject({ outcome: 'success', drill: true });

    const slower = engine({ clock, drills: view(drill({ provider: 'a', mode: 'slow', latencyMs: 5_000 })) });
    const timedOut = slower.run(chain([provider('a', a.fn, { timeoutMs: 1_000 }), provider('b', ok({}))]));
    await clock.advance(1_000);
    const second = await timedOut;
    expect(a.calls).toBe(1); // not called again
    expect(second.ok && second.provider).toBe('b');
    expect(second.attempts[0]).toMatchObject({
      drill: true,
      error: { code: ErrorCodes.ATTEMPT_TIMEOUT, sent: false },
    });
  });

  it('refuses a drill without a target, or without the setting its mode needs, naming the field', () => {
    const paths = (value: unknown) => {
      const parsed = drillRequestSchema.safeParse(value);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ mode: 'down', duration: 1000 })).toEqual(['tag']);
    expect(paths({ tag: 'a', provider: 'b', mode: 'down', duration: 1000 })).toEqual(['tag']);
    expect(paths({ provider: 'b', mode: 'error-rate', duration: 1000 })).toEqual(['rate']);
    expect(paths({ provider: 'b', mode: 'slow', duration: 1000 })).toEqual(['latencyMs']);
    expect(paths({ provider: 'b', mode: 'down' })).toEqual(['duration']);
  });
});
