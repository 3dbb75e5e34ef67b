import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FallbackExhaustedError } from '../../src/index.js';
import {
  definePaymentApps,
  PAYMENT_ACTIONS,
  PAYMENT_INPUT,
  PAYMENT_RESPONSES,
  PAYMENT_RESULTS,
  type PaymentProvider,
  paymentChain,
} from '../fixtures/payment-chain.js';
import { testBackstop } from '../helpers/redis.js';
import { urlsOf, useSimulators } from '../helpers/simulators.js';

/** The documented payment chain, run as the README runs it, against real HTTP providers. */
describe('the documented payment chain (Stripe → PayPal → Square)', () => {
  const backstop = testBackstop();
  const sims = useSimulators(PAYMENT_RESPONSES);
  const RUN = { env: 'prd', product: 'my-product', tag: 'payment-fallback', input: PAYMENT_INPUT };
  const callCounts = () => [sims.stripe.calls.length, sims.paypal.calls.length, sims.square.calls.length];

  beforeAll(async () => {
    await definePaymentApps(backstop, urlsOf(sims));
    await backstop.fallback.create(paymentChain());
  });
  afterAll(() => backstop.close());

  it.each<{ when: string; down: PaymentProvider[]; served: PaymentProvider; calls: number[]; body: unknown }>(
    [
      {
        when: 'Stripe up',
        down: [],
        served: 'stripe',
        calls: [1, 0, 0],
        body: { amount: 2500, currency: 'USD', customer: 'cus_123' },
      },
      // PayPal's option maps only amount and currency: no customer.
      {
        when: 'Stripe down',
        down: ['stripe'],
        served: 'paypal',
        calls: [3, 1, 0],
        body: { amount: 2500, currency: 'USD' },
      },
      // Square takes the amount nested in amount_money.
      {
        when: 'Stripe and PayPal down',
        down: ['stripe', 'paypal'],
        served: 'square',
        calls: [3, 3, 1],
        body: { amount_money: { amount: 2500, currency: 'USD' } },
      },
    ],
  )(
    '$when: $served serves with its mapped body and output; a provider down was tried 1 + 2 times',
    async ({ down, served, calls, body }) => {
      for (const name of down) sims[name].down(503);

      const result = await backstop.fallback.run(RUN);

      expect(result).toStrictEqual(PAYMENT_RESULTS[served]);
      expect(result.provider).toBe(served);
      expect(result.transactionId).toBe(PAYMENT_RESULTS[served].transactionId);
      expect(callCounts()).toEqual(calls);
      expect(sims[served].calls[0]).toMatchObject({ method: 'POST', path: PAYMENT_ACTIONS[served].path });
      expect(sims[served].calls[0]?.body).toStrictEqual(body);
      // A provider's retries carry one idempotency key: the provider can tell them apart from new charges.
      for (const name of down) expect(new Set(sims[name].idempotencyKeys).size).toBe(1);
    },
  );

  it('rejects with every attempt when all three are down (Square tried 1 + 1 retry)', async () => {
    for (const sim of [sims.stripe, sims.paypal, sims.square]) sim.down(503);

    const error = await backstop.fallback.run(RUN).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FallbackExhaustedError);
    const exhausted = error as FallbackExhaustedError;
    expect(exhausted.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    expect(exhausted.attempts.map((a) => [a.provider, a.attempt])).toEqual([
      ['stripe', 1],
      ['stripe', 2],
      ['stripe', 3],
      ['paypal', 1],
      ['paypal', 2],
      ['paypal', 3],
      ['square', 1],
      ['square', 2],
    ]);
    expect(Object.keys(exhausted.providerErrors)).toEqual(['stripe', 'paypal', 'square']);
    expect(callCounts()).toEqual([3, 3, 2]);
  });
});
