import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { EventOf } from '../../src/core/events.js';
import { InMemoryHealthView } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { AttemptTimeoutError, ProviderError, ProviderHttpError } from '../../src/core/provider-errors.js';
import { type EngineDeps, type RunRequest, runChain } from '../../src/core/run-chain.js';
import { FallbackAmbiguousError } from '../../src/core/run-errors.js';
import type { TargetContext } from '../../src/core/target.js';
import type { VerifyContext } from '../../src/core/verify.js';
import { TargetRegistry } from '../../src/targets/target-registry.js';
import { chain, provider } from '../helpers/chains.js';
import { FakeClock } from '../helpers/fake-clock.js';

function engine() {
  const clock = new FakeClock();
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const events = new EventBus();
  const deps: EngineDeps = { clock, health: new InMemoryHealthView(), targets, logger: silentLogger, events };
  const ambiguous: EventOf<'ambiguous'>[] = [];
  events.on('ambiguous', (e) => ambiguous.push(e));
  const run = (c: RunRequest['chain']) =>
    runChain(deps, { chain: c, env: 'prd', input: { amount: 5 }, runId: 'run-1', runKey: 'order-1' });
  return { clock, run, ambiguous };
}

/** A provider that took the call and then lost the answer (a reset after writing), `times` times. */
function lostAnswers(times: number, then: unknown = { id: 'late' }) {
  const keys: string[] = [];
  const fn = async (_request: unknown, ctx: TargetContext) => {
    keys.push(ctx.idempotencyKey);
    if (keys.length <= times) throw new AttemptTimeoutError(300, true);
    return then;
  };
  return { fn, keys };
}

const counted = () => {
  const calls = { n: 0 };
  const fn = async () => {
    calls.n++;
    return { id: 'pp_1' };
  };
  return { calls, fn };
};

describe("onAmbiguous: what a chain does when a provider's last word is 'maybe'", () => {
  it("'failover' (the default) calls the next provider, and says so", async () => {
    const { run, ambiguous } = engine();
    const stripe = lostAnswers(5);
    const paypal = counted();
    const outcome = await run(
      chain([provider('stripe', stripe.fn, { retries: 1 }), provider('paypal', paypal.fn)]),
    );
    expect(outcome.ok && outcome.provider).toBe('paypal');
    expect(stripe.keys).toEqual(['order-1:stripe', 'order-1:stripe']);
    expect(ambiguous).toMatchObject([
      { provider: 'stripe', decision: 'failover', idempotencyKey: 'order-1:stripe' },
    ]);
  });

  it("'stop' retries the same provider with the same key, then ends with the provider and key to reconcile", async () => {
    const { run } = engine();
    const stripe = lostAnswers(5);
    const paypal = counted();
    const outcome = await run(
      chain([provider('stripe', stripe.fn, { retries: 2 }), provider('paypal', paypal.fn)], {
        onAmbiguous: 'stop',
      }),
    );
    expect(outcome.ok).toBe(false);
    const error = !outcome.ok ? outcome.error : undefined;
    expect(error).toBeInstanceOf(FallbackAmbiguousError);
    expect(error).toMatchObject({
      code: ErrorCodes.FALLBACK_AMBIGUOUS,
      provider: 'stripe',
      idempotencyKey: 'order-1:stripe',
    });
    expect(error?.message).toContain("Reconcile idempotency key 'order-1:stripe'");
    expect(stripe.keys).toHaveLength(3);
    expect(paypal.calls.n).toBe(0);
  });

  it('a retry that gets through ends the doubt: no stop, the answer is the result', async () => {
    const { run } = engine();
    const stripe = lostAnswers(1, { id: 'ch_1' });
    const outcome = await run(
      chain([provider('stripe', stripe.fn, { retries: 1 })], { onAmbiguous: 'stop' }),
    );
    expect(outcome).toMatchObject({ ok: true, provider: 'stripe', result: { id: 'ch_1' } });
  });

  it('a later clear refusal of the same key settles an earlier ambiguous attempt, if the provider got the key', async () => {
    for (const keyed of [true, false]) {
      const { run } = engine();
      let calls = 0;
      const stripe = async () => {
        calls++;
        if (calls === 1) throw new AttemptTimeoutError(300, true);
        throw new ProviderHttpError(422, 'card_declined', undefined, { keyed });
      };
      const paypal = counted();
      const outcome = await run(
        chain([provider('stripe', stripe, { retries: 1 }), provider('paypal', paypal.fn)], {
          onAmbiguous: 'stop',
        }),
      );
      // Keyed: a provider that honours keys would have answered the first call's result; it refused.
      if (keyed) expect(outcome.ok && outcome.provider).toBe('paypal');
      else expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
    }
  });

  it('a 5xx after an ambiguous attempt settles nothing (it may come from in front of the provider)', async () => {
    const { run } = engine();
    let calls = 0;
    const stripe = async () => {
      calls++;
      if (calls === 1) throw new ProviderHttpError(504, 'gateway timeout');
      throw new ProviderHttpError(503, 'unavailable', undefined, { keyed: true });
    };
    const outcome = await run(
      chain([provider('stripe', stripe, { retries: 1 }), provider('paypal', counted().fn)], {
        onAmbiguous: 'stop',
      }),
    );
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
  });

  it("a provider's own onAmbiguous wins over the chain's", async () => {
    const { run } = engine();
    const paypal = counted();
    const outcome = await run(
      chain(
        [provider('stripe', lostAnswers(9).fn, { onAmbiguous: 'failover' }), provider('paypal', paypal.fn)],
        {
          onAmbiguous: 'stop',
        },
      ),
    );
    expect(outcome.ok && outcome.provider).toBe('paypal');
  });
});

describe("onAmbiguous: 'verify'", () => {
  const verifying = (answer: (ctx: VerifyContext) => unknown) => {
    const seen: VerifyContext[] = [];
    const verify = async (ctx: VerifyContext) => {
      seen.push(ctx);
      return answer(ctx) as never;
    };
    return { seen, verify };
  };

  it('succeeded: the charge the provider did make is the result, mapped as an answer would be', async () => {
    const { run } = engine();
    const { seen, verify } = verifying(() => ({ status: 'succeeded', response: { id: 'ch_9' } }));
    const paypal = counted();
    const outcome = await run(
      chain([
        provider('stripe', lostAnswers(9).fn, {
          retries: 1,
          verify,
          mapInput: (input) => ({ body: input }),
          mapOutput: (res) => ({ chargeId: (res as { id: string }).id }),
        }),
        provider('paypal', paypal.fn),
      ]),
    );
    expect(outcome).toMatchObject({
      ok: true,
      provider: 'stripe',
      result: { provider: 'stripe', chargeId: 'ch_9' },
    });
    expect(paypal.calls.n).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      idempotencyKey: 'order-1:stripe',
      request: { body: { amount: 5 } },
      provider: 'stripe',
      failure: { code: ErrorCodes.ATTEMPT_TIMEOUT },
    });
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(outcome.attempts.map((a) => [a.provider, a.attempt, a.outcome, a.verify])).toEqual([
      ['stripe', 1, 'failure', undefined],
      ['stripe', 2, 'failure', undefined],
      ['stripe', 2, 'verify', 'succeeded'],
    ]);
  });

  it('not found: nothing happened at the provider, so failing over is safe', async () => {
    const { run } = engine();
    const { verify } = verifying(() => ({ status: 'not-found' }));
    const outcome = await run(
      chain([provider('stripe', lostAnswers(9).fn, { verify }), provider('paypal', counted().fn)]),
    );
    expect(outcome.ok && outcome.provider).toBe('paypal');
    expect(outcome.attempts.map((a) => a.verify).filter(Boolean)).toEqual(['not-found']);
  });

  it('unknown, a verify that throws, answers nonsense or hangs past the timeout: stop', async () => {
    const cases: ((ctx: VerifyContext) => unknown)[] = [
      () => ({ status: 'unknown' }),
      () => {
        throw new ProviderError('lookup failed');
      },
      () => ({ ok: true }),
      () => new Promise(() => {}),
    ];
    for (const answer of cases) {
      const { clock, run } = engine();
      const { verify } = verifying(answer);
      const paypal = counted();
      const running = run(
        chain([
          provider('stripe', lostAnswers(9).fn, { verify, timeoutMs: 1_000 }),
          provider('paypal', paypal.fn),
        ]),
      );
      await clock.advance(1_500);
      const outcome = await running;
      expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
      expect(outcome.attempts.at(-1)).toMatchObject({ outcome: 'verify', verify: 'unknown' });
      expect(paypal.calls.n).toBe(0);
    }
  });

  it('a clear refusal needs no verify', async () => {
    const { run } = engine();
    const { seen, verify } = verifying(() => ({ status: 'unknown' }));
    const outcome = await run(
      chain([
        provider('stripe', async () => Promise.reject(new ProviderHttpError(503, 'down')), { verify }),
        provider('paypal', counted().fn),
      ]),
    );
    expect(outcome.ok && outcome.provider).toBe('paypal');
    expect(seen).toHaveLength(0);
  });
});

describe('strict output', () => {
  it('a mapped field that read nothing fails the run instead of a success without it', async () => {
    const { run } = engine();
    const c = chain([
      provider('stripe', async () => 'not json', {
        strictOutput: true,
        mapOutput: (res) => ({ chargeId: (res as { id?: string }).id, status: 'ok' }),
      }),
      provider('paypal', counted().fn),
    ]);
    const outcome = await run(c);
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.MAPPING_FAILED);
    expect(!outcome.ok && outcome.error.message).toContain('output.chargeId');
  });
});
