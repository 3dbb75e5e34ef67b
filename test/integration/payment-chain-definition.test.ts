import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FeatureEventTypes, InMemoryHealthView } from '../../src/index.js';
import {
  definePaymentApps,
  NO_WAIT,
  PAYMENT_INPUT,
  PAYMENT_RESPONSES,
  PAYMENT_RESULTS,
  paymentChain,
} from '../fixtures/payment-chain.js';
import { smsChain } from '../fixtures/sms-chain.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { urlsOf, useSimulators } from '../helpers/simulators.js';

/** Reading and changing the documented chains: fetch(tag), fetchAll(), update(tag, patch), product.init(tag). */
describe('the documented payment chain’s definition', () => {
  const prefix = uniquePrefix();
  const health = new InMemoryHealthView();
  const backstop = testBackstop({ prefix, health });
  const sims = useSimulators(PAYMENT_RESPONSES);
  const RUN = { env: 'prd', product: 'my-product', input: PAYMENT_INPUT };

  beforeAll(async () => {
    await definePaymentApps(backstop, urlsOf(sims));
    await backstop.fallback.create(paymentChain());
    await backstop.fallback.create(smsChain(['twilio', 'vonage']));
  });
  afterAll(() => backstop.close());
  beforeEach(() => health.clear());

  it('fetch(tag) returns name, description and each option’s app/event with tracked state', async () => {
    const fallback = await backstop.fallback.fetch('payment-fallback');

    expect(fallback.name).toBe('Payment Provider Fallback');
    expect(fallback.description).toBe('Stripe to PayPal to Square fallback chain');
    expect(fallback.product).toBe('my-product');
    expect(fallback.options.map((o) => `${o.app}/${o.event}`)).toEqual([
      'stripe/create-charge',
      'paypal/create-payment',
      'square/charge',
    ]);
    // Never checked yet: `option.provider_status || 'unknown'` reads 'unknown'.
    for (const option of fallback.options) {
      expect(option.provider_status).toBe('unknown');
      expect(option.last_available).toBeNull();
      expect(option.last_checked).toBeNull();
    }
    expect(fallback.options[0]?.input).toEqual(paymentChain().options[0]?.input);
    expect(fallback.options[2]?.output).toEqual(paymentChain().options[2]?.output);
  });

  it('fetch(tag) reports last_available and last_checked from the healthchecks', async () => {
    const checkedAt = new Date('2026-01-02T03:04:05.000Z');
    health.set({ product: 'my-product', env: 'prd', healthcheck: 'stripe-health' }, 'healthy', checkedAt);
    health.set({ product: 'my-product', env: 'prd', healthcheck: 'paypal-health' }, 'unhealthy', checkedAt);

    const fallback = await backstop.fallback.fetch('payment-fallback');

    expect(fallback.options[0]).toMatchObject({
      provider_status: 'healthy',
      last_available: true,
      last_checked: checkedAt.toISOString(),
    });
    expect(fallback.options[1]).toMatchObject({
      provider_status: 'unhealthy',
      last_available: false,
      last_checked: checkedAt.toISOString(),
    });
    // Square has no healthcheck.
    expect(fallback.options[2]?.provider_status).toBe('unknown');
  });

  it('fetchAll() lists every fallback with its options and retries', async () => {
    const fallbacks = await backstop.fallback.fetchAll();

    const summary = fallbacks.map((f) => ({
      line: `${f.name} (${f.tag})`,
      count: f.options.length,
      options: f.options.map((o) => [`${o.app}/${o.event}`, o.provider_status || 'unknown', o.retries]),
    }));
    expect(summary).toEqual(
      expect.arrayContaining([
        {
          line: 'Payment Provider Fallback (payment-fallback)',
          count: 3,
          options: [
            ['stripe/create-charge', 'unknown', 2],
            ['paypal/create-payment', 'unknown', 2],
            ['square/charge', 'unknown', 1],
          ],
        },
        {
          line: 'SMS Provider Fallback (sms-fallback)',
          count: 2,
          options: [
            ['twilio/send-sms', 'unknown', 2],
            ['vonage/send-sms', 'unknown', 2],
          ],
        },
      ]),
    );
    expect(new Set(fallbacks.map((f) => `${f.product}/${f.tag}`)).size).toBe(fallbacks.length);
  });

  it('update(tag, patch) bumps the version, and the next run uses the new options and retries', async () => {
    const tag = 'payment-update';
    await backstop.fallback.create(paymentChain({ tag }));
    const before = await backstop.fallback.fetch(tag);
    sims.stripe.down(503);
    await backstop.fallback.run({ ...RUN, tag });
    expect(sims.stripe.calls).toHaveLength(3); // retries: 2 before the update
    for (const sim of Object.values(sims)) sim.restore();

    // One update: more retries for Stripe, and Adyen instead of PayPal and Square.
    const updated = await backstop.fallback.update(tag, {
      description: 'Updated payment provider fallback',
      options: [
        {
          type: FeatureEventTypes.ACTION,
          event: 'create-charge',
          app: 'stripe',
          input: {
            amount: '$Input{amount}',
            currency: '$Input{currency}',
          },
          output: {
            transactionId: '$Response{id}',
          },
          retries: 3, // Increased retries
          backoff: NO_WAIT,
        },
        // Add new provider
        {
          type: FeatureEventTypes.ACTION,
          event: 'create-payment',
          app: 'adyen',
          input: {
            amount: '$Input{amount}',
            currency: '$Input{currency}',
          },
          output: {
            transactionId: '$Response{pspReference}',
          },
          retries: 2,
          backoff: NO_WAIT,
        },
      ],
    });

    expect(updated.version).toBe(before.version + 1);
    expect(updated.description).toBe('Updated payment provider fallback');
    expect(updated.name).toBe('Payment Provider Fallback'); // fields the patch leaves out are kept
    expect(updated.options.map((o) => [`${o.app}/${o.event}`, o.retries])).toEqual([
      ['stripe/create-charge', 3],
      ['adyen/create-payment', 2],
    ]);
    const fetched = await backstop.fallback.fetch(tag);
    expect(fetched.version).toBe(updated.version);
    expect(fetched.description).toBe('Updated payment provider fallback');

    // Stripe up: its new mapping no longer sends customer, and its output only transactionId.
    const onStripe = await backstop.fallback.run({ ...RUN, tag });
    expect(onStripe).toStrictEqual({ provider: 'stripe', transactionId: PAYMENT_RESPONSES.stripe.id });
    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 2500, currency: 'USD' });

    // Stripe down: 1 + 3 retries, then Adyen (PayPal and Square are no longer in the chain).
    for (const sim of Object.values(sims)) sim.restore();
    for (const sim of [sims.stripe, sims.paypal, sims.square]) sim.down(503);
    const onAdyen = await backstop.fallback.runDetailed({ ...RUN, tag });
    expect(onAdyen.result).toStrictEqual({
      provider: 'adyen',
      transactionId: PAYMENT_RESPONSES.adyen.pspReference,
    });
    expect(onAdyen.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'failure'],
      ['stripe', 4, 'failure'],
      ['adyen', 1, 'success'],
    ]);
    expect(sims.stripe.calls).toHaveLength(4);
    expect(sims.adyen.calls).toHaveLength(1);
    expect(sims.adyen.calls[0]).toMatchObject({
      path: '/v71/payments',
      body: { amount: 2500, currency: 'USD' },
    });
    expect(sims.paypal.calls).toHaveLength(0);
    expect(sims.square.calls).toHaveLength(0);
  });

  it('product.init(tag) makes create, fetch(tag), fetchAll(), update(tag) and run() use that product', async () => {
    const other = testBackstop({ prefix, product: undefined });
    try {
      other.product.init('shop');
      const tag = 'init-payment';
      const created = await other.fallback.create(paymentChain({ tag }));
      expect(created.product).toBe('shop');

      expect((await other.fallback.fetch(tag)).product).toBe('shop');
      expect((await other.fallback.fetch('shop', tag)).tag).toBe(tag);
      await expect(other.fallback.fetch('my-product', tag)).rejects.toThrow(
        expect.objectContaining({ code: 'BACKSTOP_NOT_FOUND' }),
      );
      expect((await other.fallback.fetchAll('shop')).map((f) => f.tag)).toEqual([tag]);
      expect((await other.fallback.update(tag, { description: 'shop payments' })).product).toBe('shop');

      const result = await other.fallback.run({ tag, input: PAYMENT_INPUT });
      expect(result).toStrictEqual(PAYMENT_RESULTS.stripe);
      expect(sims.stripe.calls).toHaveLength(1);

      expect(() => other.product.init('not a tag!')).toThrow(
        expect.objectContaining({ code: 'BACKSTOP_VALIDATION' }),
      );
    } finally {
      await other.close();
    }
  });
});
