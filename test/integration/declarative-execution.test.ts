import { beforeAll, describe, expect, it } from 'vitest';
import { PAYMENT_RESULTS, paymentChain } from '../fixtures/payment-chain.js';
import { ENV, exhausted, PRODUCT, steps, useExecutionKit } from '../helpers/execution-kit.js';

/**
 * How a declarative chain executes, step by step: try the first option, retry it on failure, fail
 * over, skip what its healthcheck marks unhealthy, return the first success, or fail with every
 * attempt. The chain is the documented payment chain: Stripe (1 + 2), PayPal (1 + 2), Square (1 + 1).
 */
describe('how a declarative chain executes', () => {
  const { backstop, sims, setHealth, callCounts } = useExecutionKit();
  const tag = 'execution-steps';
  const run = () =>
    backstop.fallback.runDetailed({
      product: PRODUCT,
      env: ENV,
      tag,
      input: { amount: 2500, currency: 'USD' },
    });

  beforeAll(async () => {
    await backstop.fallback.create(paymentChain({ tag, customer: null }));
  });

  it('1. Try First Option: the first provider in the options array runs, once', async () => {
    const report = await run();

    expect(report.provider).toBe('stripe');
    expect(report.result).toStrictEqual(PAYMENT_RESULTS.stripe);
    expect(steps(report.attempts)).toEqual([['stripe', 1, 'success']]);
    expect(sims.stripe.calls[0]?.body).toEqual({ amount: 2500, currency: 'USD' });
    expect(callCounts()).toEqual([1, 0, 0]);
  });

  it('2. Retry on Failure: a failing provider is retried, up to its retry count, with one idempotency key', async () => {
    sims.stripe.next({ kind: 'fail', status: 503 }, { kind: 'fail', status: 500 }); // then the default success

    const report = await run();

    expect(report.provider).toBe('stripe');
    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'success'],
    ]);
    expect(report.attempts.map((a) => a.error?.status)).toEqual([503, 500, undefined]);
    expect(new Set(sims.stripe.idempotencyKeys).size).toBe(1);
    expect(sims.stripe.idempotencyKeys[0]).toBe(report.attempts[0]?.idempotencyKey);
    expect(callCounts()).toEqual([3, 0, 0]);
  });

  it('3. Failover: when all retries fail, the next option runs (and the failed one is not called again)', async () => {
    sims.stripe.down();

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(report.result).toStrictEqual(PAYMENT_RESULTS.paypal);
    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'failure'],
      ['paypal', 1, 'success'],
    ]);
    expect(callCounts()).toEqual([3, 1, 0]);
  });

  it('4. Healthcheck Integration: a provider marked unhealthy is skipped and never called', async () => {
    setHealth('stripe-health', 'unhealthy');

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(steps(report.attempts)).toEqual([
      ['stripe', 0, 'skipped', 'unhealthy'],
      ['paypal', 1, 'success'],
    ]);
    expect(sims.stripe.calls).toHaveLength(0);
    expect(callCounts()).toEqual([0, 1, 0]);
  });

  it('4. Healthcheck Integration: healthy and unknown providers are called', async () => {
    setHealth('stripe-health', 'healthy');
    setHealth('paypal-health', 'unknown');
    sims.stripe.down();

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(report.attempts.some((a) => a.outcome === 'skipped')).toBe(false);
    expect(callCounts()).toEqual([3, 1, 0]);
  });

  it('5. Return Success: the first success is returned and later providers see no call', async () => {
    sims.stripe.down();

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(report.attempts.at(-1)).toMatchObject({ provider: 'paypal', attempt: 1, outcome: 'success' });
    expect(report.attempts.filter((a) => a.provider === 'square')).toEqual([]);
    expect(sims.square.calls).toHaveLength(0);
    expect(sims.paypal.calls).toHaveLength(1);
  });

  it('6. All Failed: FallbackExhaustedError with every attempt and each provider’s last error', async () => {
    // Each provider's last answer differs from its earlier ones, so "last error" is observable.
    sims.stripe
      .always({ kind: 'fail', status: 504 })
      .next({ kind: 'fail', status: 500 }, { kind: 'fail', status: 500 });
    sims.paypal
      .always({ kind: 'fail', status: 429 })
      .next({ kind: 'fail', status: 503 }, { kind: 'fail', status: 503 });
    sims.square.always({ kind: 'reset' }).next({ kind: 'fail', status: 502 });

    const error = await exhausted(run());

    expect(error.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    expect(error).toMatchObject({ product: PRODUCT, tag, env: ENV });
    expect(steps(error.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'failure'],
      ['paypal', 1, 'failure'],
      ['paypal', 2, 'failure'],
      ['paypal', 3, 'failure'],
      ['square', 1, 'failure'],
      ['square', 2, 'failure'],
    ]);
    expect(error.attempts.map((a) => a.error?.status)).toEqual([
      500,
      500,
      504,
      503,
      503,
      429,
      502,
      undefined,
    ]);
    expect(Object.keys(error.providerErrors)).toEqual(['stripe', 'paypal', 'square']);
    expect(error.providerErrors.stripe).toMatchObject({ code: 'BACKSTOP_PROVIDER_HTTP', status: 504 });
    expect(error.providerErrors.paypal).toMatchObject({ code: 'BACKSTOP_PROVIDER_HTTP', status: 429 });
    expect(error.providerErrors.square).toMatchObject({ code: 'BACKSTOP_PROVIDER_NETWORK' });
    expect(error.providerErrors.square?.status).toBeUndefined();
    expect(callCounts()).toEqual([3, 3, 2]);
  });

  it('6. All Failed: skipped providers are in the attempts but not in providerErrors', async () => {
    setHealth('stripe-health', 'unhealthy');
    sims.paypal.down(500);
    sims.square.down(503);

    const error = await exhausted(run());

    expect(error.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    expect(steps(error.attempts)).toEqual([
      ['stripe', 0, 'skipped', 'unhealthy'],
      ['paypal', 1, 'failure'],
      ['paypal', 2, 'failure'],
      ['paypal', 3, 'failure'],
      ['square', 1, 'failure'],
      ['square', 2, 'failure'],
    ]);
    expect(Object.keys(error.providerErrors)).toEqual(['paypal', 'square']);
    expect(callCounts()).toEqual([0, 3, 2]);
  });
});
