import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { ProviderError, ProviderHttpError } from '../../src/core/provider-errors.js';
import { chain, provider } from '../helpers/chains.js';
import { counted, engine, fail, ok } from '../helpers/engine.js';

/** Which provider the engine calls, how often, and when it fails over, stops or gives up. */
describe('runChain: retries, failover and the end of the chain', () => {
  it('returns the primary result with the provider name, without calling the fallback', async () => {
    const { run } = engine();
    const paypal = counted();
    const outcome = await run(chain([provider('stripe', ok({ id: 'ch_1' })), provider('paypal', paypal.fn)]));
    expect(outcome).toMatchObject({
      ok: true,
      provider: 'stripe',
      result: { provider: 'stripe', id: 'ch_1' },
    });
    expect(paypal.calls).toBe(0);
  });

  it('retries a provider retries + 1 times, then fails over', async () => {
    const { run } = engine();
    const stripe = counted(fail(new ProviderHttpError(503, 'down')));
    const outcome = await run(
      chain([provider('stripe', stripe.fn, { retries: 2 }), provider('paypal', ok({ id: 'pp' }))]),
    );
    expect(stripe.calls).toBe(3);
    expect(outcome.ok && outcome.provider).toBe('paypal');
    expect(outcome.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'failure'],
      ['paypal', 1, 'success'],
    ]);
  });

  it.each([
    { what: 'a non-retryable 4xx', error: new ProviderHttpError(422, 'bad card'), retries: 3 },
    {
      what: 'a handler ProviderError with retryable: false',
      error: new ProviderError('no such customer', { retryable: false }),
      retries: 5,
    },
  ])('fails over at once on $what', async ({ error, retries }) => {
    const { run } = engine();
    const stripe = counted(fail(error));
    const outcome = await run(
      chain([provider('stripe', stripe.fn, { retries }), provider('paypal', ok({}))]),
    );
    expect(stripe.calls).toBe(1);
    expect(outcome.attempts[0]?.error?.verdict).toBe('failover');
    expect(outcome.ok && outcome.provider).toBe('paypal');
  });

  it('stops the chain on a status the policy says to stop on', async () => {
    const { run } = engine();
    const paypal = counted();
    const outcome = await run(
      chain(
        [provider('stripe', fail(new ProviderHttpError(402, 'declined'))), provider('paypal', paypal.fn)],
        {
          errors: { stopOnStatus: [402] },
        },
      ),
    );
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.FALLBACK_STOPPED);
    expect(paypal.calls).toBe(0);
  });

  it('stops instead of failing over when mapping a successful response throws', async () => {
    const { run } = engine();
    const b = counted();
    const mapOutput = () => {
      throw new Error('bad mapping');
    };
    const outcome = await run(
      chain([provider('a', ok({ id: 'charged' }), { mapOutput }), provider('b', b.fn)]),
    );
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.MAPPING_FAILED);
    expect(b.calls).toBe(0);
  });

  it('skips a provider its healthcheck marks unhealthy, and records the skip', async () => {
    const { run, health } = engine();
    health.set({ product: 'p', env: 'prd', healthcheck: 'stripe-health' }, 'unhealthy');
    const stripe = counted();
    const outcome = await run(
      chain([
        provider('stripe', stripe.fn, { healthcheck: 'stripe-health' }),
        provider('paypal', ok({ id: 'pp' })),
      ]),
    );
    expect(stripe.calls).toBe(0);
    expect(outcome.attempts[0]).toMatchObject({
      provider: 'stripe',
      attempt: 0,
      outcome: 'skipped',
      skipped: 'unhealthy',
    });
    expect(outcome.ok && outcome.provider).toBe('paypal');
  });

  it('does not skip a provider whose health is unknown or healthy', async () => {
    const { run, health } = engine();
    health.set({ product: 'p', env: 'prd', healthcheck: 'h' }, 'healthy');
    const outcome = await run(
      chain([provider('a', ok({}), { healthcheck: 'h' }), provider('b', ok({}), { healthcheck: 'x' })]),
    );
    expect(outcome.ok && outcome.provider).toBe('a');
  });

  it('returns FallbackExhaustedError with every attempt and each provider last error', async () => {
    const { run } = engine();
    const outcome = await run(
      chain([
        provider('a', fail(new ProviderHttpError(500, 'a down')), { retries: 1 }),
        provider('b', fail(new Error('b broke'))),
      ]),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe(ErrorCodes.FALLBACK_EXHAUSTED);
    expect(outcome.error.attempts).toHaveLength(3);
    expect(outcome.error.providerErrors.a?.status).toBe(500);
    expect(outcome.error.providerErrors.b?.message).toBe('b broke');
    expect(outcome.error.message).toContain('a: HTTP 500: a down');
  });
});
