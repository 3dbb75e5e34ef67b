import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backstop,
  DataTypes,
  type DeclarativeDefinition,
  FallbackExhaustedError,
  FeatureEventTypes,
  InMemoryHealthView,
} from '../../src/index.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';

/** Seed 001 leaves backoff out; no delay between retries keeps these tests fast. */
const NO_WAIT = { type: 'fixed', delay: 0 } as const;

/** A simulator that answers every call with `body` again, its call log cleared. */
function answer(sim: ProviderSimulator, body: unknown): void {
  sim.reset();
  sim.always({ kind: 'ok', body });
}

function down(sim: ProviderSimulator): void {
  sim.down(503);
}

/** Seed 001 "Creating a Fallback", field for field, plus `backoff`. */
function paymentFallback(): DeclarativeDefinition {
  return {
    name: 'Payment Provider Fallback',
    tag: 'payment-fallback',
    description: 'Stripe to PayPal to Square fallback chain',
    input: {
      amount: { type: DataTypes.NUMBER },
      currency: { type: DataTypes.STRING },
      customerId: { type: DataTypes.STRING },
    },
    options: [
      {
        type: FeatureEventTypes.ACTION,
        event: 'create-charge',
        app: 'stripe',
        input: {
          amount: '$Input{amount}',
          currency: '$Input{currency}',
          customer: '$Input{customerId}',
        },
        output: {
          transactionId: '$Response{id}',
          status: '$Response{status}',
        },
        retries: 2,
        healthcheck: 'stripe-health',
        backoff: NO_WAIT,
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'create-payment',
        app: 'paypal',
        input: {
          amount: '$Input{amount}',
          currency: '$Input{currency}',
        },
        output: {
          transactionId: '$Response{payment_id}',
          status: '$Response{state}',
        },
        retries: 2,
        healthcheck: 'paypal-health',
        backoff: NO_WAIT,
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'charge',
        app: 'square',
        input: {
          amount_money: {
            amount: '$Input{amount}',
            currency: '$Input{currency}',
          },
        },
        output: {
          transactionId: '$Response{payment_id}',
          status: '$Response{status}',
        },
        retries: 1,
        backoff: NO_WAIT,
      },
    ],
  };
}

/** Seed 001 "Example: SMS Provider Fallback", field for field, plus `backoff`. */
function smsFallback(): DeclarativeDefinition {
  return {
    name: 'SMS Provider Fallback',
    tag: 'sms-fallback',
    description: 'Twilio to Vonage to AWS SNS',
    input: {
      phone: { type: DataTypes.STRING },
      message: { type: DataTypes.STRING },
    },
    options: [
      {
        type: FeatureEventTypes.ACTION,
        event: 'send-sms',
        app: 'twilio',
        input: {
          to: '$Input{phone}',
          body: '$Input{message}',
        },
        output: {
          messageId: '$Response{sid}',
          status: '$Response{status}',
        },
        retries: 2,
        healthcheck: 'twilio-health',
        backoff: NO_WAIT,
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'send-sms',
        app: 'vonage',
        input: {
          to: '$Input{phone}',
          text: '$Input{message}',
        },
        output: {
          messageId: '$Response{message_id}',
          status: '$Response{status}',
        },
        retries: 2,
        healthcheck: 'vonage-health',
        backoff: NO_WAIT,
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'publish-sms',
        app: 'aws-sns',
        input: {
          PhoneNumber: '$Input{phone}',
          Message: '$Input{message}',
        },
        output: {
          messageId: '$Response{MessageId}',
        },
        retries: 1,
        backoff: NO_WAIT,
      },
    ],
  };
}

const STRIPE_CHARGE = { id: 'ch_3MmlLrLkdIwHu7ix0snN0B15', status: 'succeeded' };
const PAYPAL_PAYMENT = { payment_id: 'PAYID-MQ2X3LA', state: 'approved' };
const SQUARE_PAYMENT = { payment_id: 'sq_KkAkhdMsgzn59SM8A', status: 'COMPLETED' };
const ADYEN_PAYMENT = { pspReference: '8816178952380553', resultCode: 'Authorised' };

/** Seed 001 "Running a Fallback" (session and cache left out: this version refuses them). */
const PAYMENT_RUN = {
  env: 'prd',
  product: 'my-product',
  tag: 'payment-fallback',
  input: { amount: 2500, currency: 'USD', customerId: 'cus_123' },
};

interface PaymentSims {
  stripe: ProviderSimulator;
  paypal: ProviderSimulator;
  square: ProviderSimulator;
  adyen: ProviderSimulator;
}

async function startPaymentSims(): Promise<PaymentSims> {
  return {
    stripe: await ProviderSimulator.start('stripe', STRIPE_CHARGE),
    paypal: await ProviderSimulator.start('paypal', PAYPAL_PAYMENT),
    square: await ProviderSimulator.start('square', SQUARE_PAYMENT),
    adyen: await ProviderSimulator.start('adyen', ADYEN_PAYMENT),
  };
}

async function definePaymentApps(backstop: Backstop, sims: PaymentSims): Promise<void> {
  const action = (event: string, path: string) => ({ [event]: { method: 'POST', path } });
  await backstop.app.define({
    tag: 'stripe',
    envs: { prd: { baseUrl: sims.stripe.url } },
    actions: action('create-charge', '/v1/charges'),
  });
  await backstop.app.define({
    tag: 'paypal',
    envs: { prd: { baseUrl: sims.paypal.url } },
    actions: action('create-payment', '/v1/payments/payment'),
  });
  await backstop.app.define({
    tag: 'square',
    envs: { prd: { baseUrl: sims.square.url } },
    actions: action('charge', '/v2/payments'),
  });
  await backstop.app.define({
    tag: 'adyen',
    envs: { prd: { baseUrl: sims.adyen.url } },
    actions: action('create-payment', '/v71/payments'),
  });
}

function resetPaymentSims(sims: PaymentSims): void {
  answer(sims.stripe, STRIPE_CHARGE);
  answer(sims.paypal, PAYPAL_PAYMENT);
  answer(sims.square, SQUARE_PAYMENT);
  answer(sims.adyen, ADYEN_PAYMENT);
}

async function closeAll(backstops: Backstop[], sims: ProviderSimulator[]): Promise<void> {
  for (const backstop of backstops.reverse()) await backstop.close();
  await Promise.all(sims.map((sim) => sim.close()));
}

describe('seed 001: payment provider fallback (Stripe → PayPal → Square)', () => {
  const backstop = testBackstop();
  let sims: PaymentSims;

  beforeAll(async () => {
    sims = await startPaymentSims();
    await definePaymentApps(backstop, sims);
    await backstop.fallback.create(paymentFallback());
  });
  afterAll(() => closeAll([backstop], Object.values(sims ?? {})));
  beforeEach(() => resetPaymentSims(sims));

  it('runs on Stripe when it is up: result.provider and result.transactionId as the seed logs them', async () => {
    const result = await backstop.fallback.run(PAYMENT_RUN);

    expect(result).toStrictEqual({
      provider: 'stripe',
      transactionId: STRIPE_CHARGE.id,
      status: 'succeeded',
    });
    expect(result.provider).toBe('stripe');
    expect(result.transactionId).toBe(STRIPE_CHARGE.id);
    expect(sims.stripe.calls).toHaveLength(1);
    expect(sims.stripe.calls[0]).toMatchObject({
      method: 'POST',
      path: '/v1/charges',
      body: { amount: 2500, currency: 'USD', customer: 'cus_123' },
    });
    expect(sims.paypal.calls).toHaveLength(0);
    expect(sims.square.calls).toHaveLength(0);
  });

  it('fails over to PayPal after Stripe fails 1 + 2 retries, with PayPal’s mapped body and output', async () => {
    down(sims.stripe);

    const result = await backstop.fallback.run(PAYMENT_RUN);

    expect(result).toStrictEqual({
      provider: 'paypal',
      transactionId: PAYPAL_PAYMENT.payment_id,
      status: 'approved',
    });
    expect(sims.stripe.calls).toHaveLength(3);
    expect(new Set(sims.stripe.idempotencyKeys).size).toBe(1);
    expect(sims.paypal.calls).toHaveLength(1);
    expect(sims.paypal.calls[0]).toMatchObject({ method: 'POST', path: '/v1/payments/payment' });
    // PayPal's option maps only amount and currency: no customer.
    expect(sims.paypal.calls[0]?.body).toStrictEqual({ amount: 2500, currency: 'USD' });
    expect(sims.square.calls).toHaveLength(0);
  });

  it('fails over to Square with its nested amount_money when Stripe and PayPal are down', async () => {
    down(sims.stripe);
    down(sims.paypal);

    const result = await backstop.fallback.run(PAYMENT_RUN);

    expect(result).toStrictEqual({
      provider: 'square',
      transactionId: SQUARE_PAYMENT.payment_id,
      status: 'COMPLETED',
    });
    expect(sims.stripe.calls).toHaveLength(3);
    expect(sims.paypal.calls).toHaveLength(3);
    expect(sims.square.calls).toHaveLength(1);
    expect(sims.square.calls[0]).toMatchObject({ method: 'POST', path: '/v2/payments' });
    expect(sims.square.calls[0]?.body).toStrictEqual({ amount_money: { amount: 2500, currency: 'USD' } });
  });

  it('rejects with every attempt when all three are down (Square tried 1 + 1 retry)', async () => {
    down(sims.stripe);
    down(sims.paypal);
    down(sims.square);

    const error = await backstop.fallback.run(PAYMENT_RUN).catch((e: unknown) => e);

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
    expect([sims.stripe.calls.length, sims.paypal.calls.length, sims.square.calls.length]).toEqual([3, 3, 2]);
  });
});

describe('seed 001: SMS provider fallback (Twilio → Vonage → AWS SNS)', () => {
  const backstop = testBackstop();
  const TWILIO_MESSAGE = { sid: 'SM87105da94bff44b999e4e6eb90d8eb6a', status: 'queued' };
  const VONAGE_MESSAGE = { message_id: '0A0000000123ABCD1', status: '0' };
  const SNS_MESSAGE = { MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e' };
  let twilio: ProviderSimulator;
  let vonage: ProviderSimulator;
  let sns: ProviderSimulator;
  const SMS_RUN = {
    env: 'prd',
    product: 'messaging-app',
    tag: 'sms-fallback',
    input: { phone: '+1234567890', message: 'Your verification code is 123456' },
  };

  beforeAll(async () => {
    twilio = await ProviderSimulator.start('twilio', TWILIO_MESSAGE);
    vonage = await ProviderSimulator.start('vonage', VONAGE_MESSAGE);
    sns = await ProviderSimulator.start('aws-sns', SNS_MESSAGE);
    await backstop.app.define({
      tag: 'twilio',
      envs: { prd: { baseUrl: twilio.url } },
      actions: { 'send-sms': { method: 'POST', path: '/2010-04-01/Accounts/AC123/Messages.json' } },
    });
    await backstop.app.define({
      tag: 'vonage',
      envs: { prd: { baseUrl: vonage.url } },
      actions: { 'send-sms': { method: 'POST', path: '/sms/json' } },
    });
    await backstop.app.define({
      tag: 'aws-sns',
      envs: { prd: { baseUrl: sns.url } },
      actions: { 'publish-sms': { method: 'POST', path: '/' } },
    });
    // As in the seed: product.init, then create without naming the product.
    backstop.product.init('messaging-app');
    await backstop.fallback.create(smsFallback());
  });
  afterAll(() => closeAll([backstop], [twilio, vonage, sns].filter(Boolean)));
  beforeEach(() => {
    answer(twilio, TWILIO_MESSAGE);
    answer(vonage, VONAGE_MESSAGE);
    answer(sns, SNS_MESSAGE);
  });

  it('stores the chain under the product given to product.init', async () => {
    const fetched = await backstop.fallback.fetch('messaging-app', 'sms-fallback');
    expect(fetched.product).toBe('messaging-app');
    expect(fetched.options.map((o) => `${o.app}/${o.event}`)).toEqual([
      'twilio/send-sms',
      'vonage/send-sms',
      'aws-sns/publish-sms',
    ]);
  });

  it('sends via Twilio: result.provider and result.messageId as the seed logs them', async () => {
    const result = await backstop.fallback.run(SMS_RUN);

    expect(result).toStrictEqual({ provider: 'twilio', messageId: TWILIO_MESSAGE.sid, status: 'queued' });
    expect(`SMS sent via ${result.provider}`).toBe('SMS sent via twilio');
    expect(result.messageId).toBe(TWILIO_MESSAGE.sid);
    expect(twilio.calls).toHaveLength(1);
    expect(twilio.calls[0]).toMatchObject({
      method: 'POST',
      path: '/2010-04-01/Accounts/AC123/Messages.json',
    });
    expect(twilio.calls[0]?.body).toStrictEqual({
      to: '+1234567890',
      body: 'Your verification code is 123456',
    });
    expect(vonage.calls).toHaveLength(0);
    expect(sns.calls).toHaveLength(0);
  });

  it('fails over to Vonage, which gets `text` instead of `body`', async () => {
    down(twilio);

    const result = await backstop.fallback.run(SMS_RUN);

    expect(result).toStrictEqual({ provider: 'vonage', messageId: VONAGE_MESSAGE.message_id, status: '0' });
    expect(twilio.calls).toHaveLength(3);
    expect(vonage.calls).toHaveLength(1);
    expect(vonage.calls[0]?.body).toStrictEqual({
      to: '+1234567890',
      text: 'Your verification code is 123456',
    });
    expect(sns.calls).toHaveLength(0);
  });

  it('fails over to AWS SNS, whose output maps only messageId', async () => {
    down(twilio);
    down(vonage);

    const result = await backstop.fallback.run(SMS_RUN);

    expect(result).toStrictEqual({ provider: 'aws-sns', messageId: SNS_MESSAGE.MessageId });
    expect(twilio.calls).toHaveLength(3);
    expect(vonage.calls).toHaveLength(3);
    expect(sns.calls).toHaveLength(1);
    expect(sns.calls[0]?.body).toStrictEqual({
      PhoneNumber: '+1234567890',
      Message: 'Your verification code is 123456',
    });
  });
});

describe('seed 001: fetch(tag), fetchAll(), update(tag, patch) and product.init(tag)', () => {
  const prefix = uniquePrefix();
  const health = new InMemoryHealthView();
  const backstop = testBackstop({ prefix, health });
  let sims: PaymentSims;

  beforeAll(async () => {
    sims = await startPaymentSims();
    await definePaymentApps(backstop, sims);
    await backstop.fallback.create(paymentFallback());
    await backstop.fallback.create({ ...smsFallback(), options: smsFallback().options.slice(0, 2) });
  });
  afterAll(() => closeAll([backstop], Object.values(sims ?? {})));
  beforeEach(() => {
    resetPaymentSims(sims);
    health.clear();
  });

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
    // Never checked yet: the seed's `option.provider_status || 'unknown'` reads 'unknown'.
    for (const option of fallback.options) {
      expect(option.provider_status).toBe('unknown');
      expect(option.last_available).toBeNull();
      expect(option.last_checked).toBeNull();
    }
    expect(fallback.options[0]?.input).toEqual(paymentFallback().options[0]?.input);
    expect(fallback.options[2]?.output).toEqual(paymentFallback().options[2]?.output);
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
    // Square has no healthcheck in the seed.
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
    await backstop.fallback.create({ ...paymentFallback(), tag });
    const before = await backstop.fallback.fetch(tag);
    down(sims.stripe);
    await backstop.fallback.run({ ...PAYMENT_RUN, tag });
    expect(sims.stripe.calls).toHaveLength(3); // retries: 2 before the update
    resetPaymentSims(sims);

    // Seed 001 "Updating Fallbacks", field for field, plus `backoff`.
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
    const onStripe = await backstop.fallback.run({ ...PAYMENT_RUN, tag });
    expect(onStripe).toStrictEqual({ provider: 'stripe', transactionId: STRIPE_CHARGE.id });
    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 2500, currency: 'USD' });

    // Stripe down: 1 + 3 retries, then Adyen (PayPal and Square are no longer in the chain).
    resetPaymentSims(sims);
    down(sims.stripe);
    down(sims.paypal);
    down(sims.square);
    const onAdyen = await backstop.fallback.runDetailed({ ...PAYMENT_RUN, tag });
    expect(onAdyen.result).toStrictEqual({ provider: 'adyen', transactionId: ADYEN_PAYMENT.pspReference });
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
      const created = await other.fallback.create({ ...paymentFallback(), tag });
      expect(created.product).toBe('shop');

      expect((await other.fallback.fetch(tag)).product).toBe('shop');
      expect((await other.fallback.fetch('shop', tag)).tag).toBe(tag);
      await expect(other.fallback.fetch('my-product', tag)).rejects.toThrow(
        expect.objectContaining({ code: 'BACKSTOP_NOT_FOUND' }),
      );
      expect((await other.fallback.fetchAll('shop')).map((f) => f.tag)).toEqual([tag]);
      expect((await other.fallback.update(tag, { description: 'shop payments' })).product).toBe('shop');

      const result = await other.fallback.run({ tag, input: PAYMENT_RUN.input });
      expect(result).toStrictEqual({
        provider: 'stripe',
        transactionId: STRIPE_CHARGE.id,
        status: 'succeeded',
      });
      expect(sims.stripe.calls).toHaveLength(1);

      expect(() => other.product.init('not a tag!')).toThrow(
        expect.objectContaining({ code: 'BACKSTOP_VALIDATION' }),
      );
    } finally {
      await other.close();
    }
  });
});

describe('seed 003: code-first payment fallback (fallback.define)', () => {
  const backstop = testBackstop();
  const STRIPE = { id: 'ch_1Nq2b3', status: 'succeeded' };
  const PAYPAL = { id: '5O190127TN364715T', status: 'COMPLETED' };
  const SQUARE = { id: 'KkAkhdMsgzn59SM8A', status: 'COMPLETED' };
  let stripe: ProviderSimulator;
  let paypal: ProviderSimulator;
  let square: ProviderSimulator;
  /** Seed 003 "Synchronous Run". */
  const RUN = {
    product: 'my-product',
    env: 'prd',
    tag: 'payment-fallback',
    input: { amount: 5000, currency: 'usd', card_token: 'tok_visa' },
  };

  /** Seed 003 "Defining a Fallback", call for call, plus `.backoff(NO_WAIT)` to keep retries fast. */
  function defineSeed003(tag: string) {
    return backstop.fallback.define({
      product: 'my-product',
      tag,
      name: 'Payment Provider Fallback',
      description: 'Failover between payment providers',
      input: {
        amount: { type: 'number' },
        currency: { type: 'string' },
        card_token: { type: 'string' },
      },
      handler: async (ctx) => {
        // Primary provider - tried first
        ctx
          .primary('stripe')
          .healthcheck('stripe-health')
          .app('stripe-app')
          .action('charge')
          .mapInput((input) => ({
            body: {
              amount: input.amount,
              currency: input.currency,
              source: input.card_token,
            },
          }))
          .mapOutput((res) => ({
            chargeId: res.id,
            status: res.status,
          }))
          .retries(2)
          .backoff(NO_WAIT);

        // Fallback provider - tried if primary fails
        ctx
          .fallback('paypal')
          .healthcheck('paypal-health')
          .app('paypal-app')
          .action('payment')
          .mapInput((input) => ({
            body: {
              amount: { value: input.amount / 100, currency: input.currency },
              intent: 'CAPTURE',
            },
          }))
          .mapOutput((res) => ({
            chargeId: res.id,
            status: res.status,
          }))
          .retries(2)
          .backoff(NO_WAIT);
      },
    });
  }

  beforeAll(async () => {
    stripe = await ProviderSimulator.start('stripe', STRIPE);
    paypal = await ProviderSimulator.start('paypal', PAYPAL);
    square = await ProviderSimulator.start('square', SQUARE);
    await backstop.app.define({
      tag: 'stripe-app',
      envs: { prd: { baseUrl: stripe.url } },
      actions: { charge: { method: 'POST', path: '/v1/charges' } },
    });
    await backstop.app.define({
      tag: 'paypal-app',
      envs: { prd: { baseUrl: paypal.url } },
      actions: { payment: { method: 'POST', path: '/v2/checkout/orders' } },
    });
    await backstop.app.define({
      tag: 'square-app',
      envs: { prd: { baseUrl: square.url } },
      actions: { 'create-payment': { method: 'POST', path: '/v2/payments' } },
    });
    await defineSeed003('payment-fallback');
  });
  afterAll(() => closeAll([backstop], [stripe, paypal, square].filter(Boolean)));
  beforeEach(() => {
    answer(stripe, STRIPE);
    answer(paypal, PAYPAL);
    answer(square, SQUARE);
  });

  it('define returns the chain: primary then fallback, with healthchecks, apps, actions and retries', async () => {
    const described = await defineSeed003('payment-define');

    expect(described).toMatchObject({
      product: 'my-product',
      tag: 'payment-define',
      name: 'Payment Provider Fallback',
      description: 'Failover between payment providers',
      source: 'code',
      version: 1,
    });
    expect(described.options).toMatchObject([
      { provider: 'stripe', app: 'stripe-app', event: 'charge', healthcheck: 'stripe-health', retries: 2 },
      { provider: 'paypal', app: 'paypal-app', event: 'payment', healthcheck: 'paypal-health', retries: 2 },
    ]);
  });

  it('runs on the primary with mapInput’s body and mapOutput’s shape', async () => {
    const result = await backstop.fallback.run(RUN);

    expect(result).toStrictEqual({ provider: 'stripe', chargeId: STRIPE.id, status: 'succeeded' });
    expect(stripe.calls).toHaveLength(1);
    expect(stripe.calls[0]).toMatchObject({ method: 'POST', path: '/v1/charges' });
    expect(stripe.calls[0]?.body).toStrictEqual({ amount: 5000, currency: 'usd', source: 'tok_visa' });
    expect(paypal.calls).toHaveLength(0);
  });

  it('fails over to PayPal after the primary’s retries, with amount in major units and intent CAPTURE', async () => {
    down(stripe);

    const result = await backstop.fallback.run(RUN);

    expect(result).toStrictEqual({ provider: 'paypal', chargeId: PAYPAL.id, status: 'COMPLETED' });
    expect(stripe.calls).toHaveLength(3);
    expect(paypal.calls).toHaveLength(1);
    expect(paypal.calls[0]).toMatchObject({ method: 'POST', path: '/v2/checkout/orders' });
    expect(paypal.calls[0]?.body).toStrictEqual({
      amount: { value: 50, currency: 'usd' },
      intent: 'CAPTURE',
    });
  });

  it('fetch(product, tag) returns the code-first definition', async () => {
    const fb = await backstop.fallback.fetch('my-product', 'payment-fallback');

    expect(fb).toMatchObject({ product: 'my-product', tag: 'payment-fallback', source: 'code' });
    expect(fb.options.map((o) => `${o.provider}: ${o.app}/${o.event}`)).toEqual([
      'stripe: stripe-app/charge',
      'paypal: paypal-app/payment',
    ]);
  });

  it('fetchAll(product) lists the product’s fallbacks and no other product’s', async () => {
    await backstop.fallback.define({
      product: 'other-product',
      tag: 'payment-fallback',
      name: 'Elsewhere',
      handler: (ctx) => {
        ctx.primary('stripe').app('stripe-app').action('charge');
      },
    });

    const mine = await backstop.fallback.fetchAll('my-product');
    const theirs = await backstop.fallback.fetchAll('other-product');

    expect(mine.map((f) => f.tag)).toContain('payment-fallback');
    expect(mine.every((f) => f.product === 'my-product')).toBe(true);
    expect(theirs.map((f) => [f.product, f.tag, f.name])).toEqual([
      ['other-product', 'payment-fallback', 'Elsewhere'],
    ]);
  });

  it('update(product, tag, { input, handler }) bumps the version and the next run uses the new chain', async () => {
    const tag = 'payment-update';
    const before = await defineSeed003(tag);

    // Seed 003 "Update", call for call.
    const updated = await backstop.fallback.update('my-product', tag, {
      input: { amount: { type: 'number' }, currency: { type: 'string' } },
      handler: async (ctx) => {
        ctx.primary('stripe').app('stripe-app').action('charge');
        ctx.fallback('paypal').app('paypal-app').action('payment');
        ctx.fallback('square').app('square-app').action('create-payment');
      },
    });

    expect(updated.version).toBe(before.version + 1);
    expect(updated.name).toBe('Payment Provider Fallback');
    expect(updated.options.map((o) => [o.provider, `${o.app}/${o.event}`, o.retries])).toEqual([
      ['stripe', 'stripe-app/charge', 0],
      ['paypal', 'paypal-app/payment', 0],
      ['square', 'square-app/create-payment', 0],
    ]);
    expect((await backstop.fallback.fetch('my-product', tag)).version).toBe(updated.version);

    down(stripe);
    down(paypal);
    const input = { amount: 5000, currency: 'usd' };
    const report = await backstop.fallback.runDetailed({ product: 'my-product', env: 'prd', tag, input });

    // No retries and no mappers any more: one call each, the input as the body, the response as the result.
    expect(report.result).toStrictEqual({ provider: 'square', ...SQUARE });
    expect(report.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      ['stripe', 1, 'failure'],
      ['paypal', 1, 'failure'],
      ['square', 1, 'success'],
    ]);
    expect(stripe.calls).toHaveLength(1);
    expect(paypal.calls).toHaveLength(1);
    expect(square.calls[0]).toMatchObject({ path: '/v2/payments', body: input });
  });

  it('delete(product, tag) removes the fallback: fetch, run and a second delete are not-found errors', async () => {
    const tag = 'payment-delete';
    await defineSeed003(tag);

    await backstop.fallback.delete('my-product', tag);

    const notFound = expect.objectContaining({ code: 'BACKSTOP_NOT_FOUND' });
    await expect(backstop.fallback.fetch('my-product', tag)).rejects.toThrow(notFound);
    await expect(backstop.fallback.run({ ...RUN, tag })).rejects.toThrow(notFound);
    await expect(backstop.fallback.delete('my-product', tag)).rejects.toThrow(notFound);
    expect((await backstop.fallback.fetchAll('my-product')).map((f) => f.tag)).not.toContain(tag);
    expect(stripe.calls).toHaveLength(0);
    // The other definitions are untouched.
    await expect(backstop.fallback.run(RUN)).resolves.toMatchObject({ provider: 'stripe' });
  });
});
