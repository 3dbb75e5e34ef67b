import { describe, expect, it } from 'vitest';
import { DataTypes, FeatureEventTypes } from '../../src/index.js';
import { NO_WAIT } from '../fixtures/payment-chain.js';
import { FEATURE_RESPONSES } from '../fixtures/process-payment.js';
import { attemptsOf, noCalls, outline, useProcessPayment } from '../helpers/feature-kit.js';

/** A feature as a step of another feature, and as an option of a fallback chain. */
const { sims, backstop } = useProcessPayment();
const { stripe: STRIPE_CHARGE, paypal: PAYPAL_PAYMENT } = FEATURE_RESPONSES;

/** `inner`: charges `amount` EUR through the payment chain, returns `{ tx }`. */
async function createInner(): Promise<void> {
  await backstop().features.create({
    tag: 'inner',
    name: 'Charge',
    input: { amount: { type: DataTypes.NUMBER } },
    events: [
      {
        type: FeatureEventTypes.FALLBACK,
        event: 'payment-fallback',
        input: { amount: '$Input{amount}', currency: 'EUR' },
      },
    ],
    output: { tx: '$Sequence{payment-fallback}{transactionId}' },
  });
}

describe('features inside features', () => {
  it('a FEATURE step runs the inner feature with its mapped input; its output feeds a later step; runDetailed nests its steps', async () => {
    await createInner();
    await backstop().features.create({
      tag: 'outer',
      name: 'Charge and log',
      input: { total: { type: DataTypes.NUMBER } },
      events: [
        { type: FeatureEventTypes.FEATURE, event: 'inner', input: { amount: '$Input{total}' } },
        {
          type: FeatureEventTypes.ACTION,
          event: 'log-payment',
          app: 'logging-service',
          input: { transactionId: '$Sequence{inner}{tx}' },
        },
      ],
    });

    const report = await backstop().features.runDetailed({ tag: 'outer', input: { total: 99 } });

    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 99, currency: 'EUR' });
    expect(sims.log.calls.map((c) => c.body)).toEqual([{ transactionId: STRIPE_CHARGE.id }]);
    expect(report.steps.map((s) => [s.step, s.type, s.outcome])).toEqual([
      ['inner', 'feature', 'success'],
      ['log-payment', 'action', 'success'],
    ]);
    const nested = report.steps[0];
    expect(nested?.target).toBe('feature inner');
    expect(nested?.output).toStrictEqual({ tx: STRIPE_CHARGE.id });
    expect(outline(nested?.steps ?? [])).toEqual([
      { step: 'payment-fallback', type: 'fallback', outcome: 'success', provider: 'stripe' },
    ]);
    expect(attemptsOf(nested?.steps?.[0])).toEqual([['stripe', 1, 'success']]);
  });
});

describe('a fallback option of type FEATURE', () => {
  /** `house-first`: the `inner` feature as provider `in-house`, then PayPal. */
  async function createChain(): Promise<void> {
    await createInner();
    await backstop().fallback.create({
      name: 'In-house first',
      tag: 'house-first',
      input: { amount: { type: DataTypes.NUMBER } },
      options: [
        {
          type: FeatureEventTypes.FEATURE,
          event: 'inner',
          provider: 'in-house',
          input: { amount: '$Input{amount}' },
          retries: 0,
          backoff: NO_WAIT,
        },
        {
          type: FeatureEventTypes.ACTION,
          event: 'create-payment',
          app: 'paypal',
          input: { amount: '$Input{amount}', currency: 'EUR' },
          output: { tx: '$Response{payment_id}' },
          retries: 0,
          backoff: NO_WAIT,
        },
      ],
    });
  }

  it('serves the run when the feature succeeds: result.provider is the option’s provider name', async () => {
    await createChain();

    const result = await backstop().fallback.run({ tag: 'house-first', input: { amount: 10 } });

    expect(result).toStrictEqual({ provider: 'in-house', tx: STRIPE_CHARGE.id });
    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 10, currency: 'EUR' });
    noCalls(sims.paypal);
  });

  it('fails over to the next provider when the feature fails', async () => {
    await createChain();
    sims.stripe.down(503);
    sims.paypal.next({ kind: 'fail', status: 503 }); // PayPal inside the feature fails once

    const report = await backstop().fallback.runDetailed({ tag: 'house-first', input: { amount: 10 } });

    expect(report.result).toStrictEqual({ provider: 'paypal', tx: PAYPAL_PAYMENT.payment_id });
    expect(report.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      ['in-house', 1, 'failure'],
      ['paypal', 1, 'success'],
    ]);
    expect(report.attempts[0]?.error?.code).toBe('BACKSTOP_FEATURE_STEP_FAILED');
    expect(sims.paypal.calls).toHaveLength(2); // once inside the feature, once as the chain's provider
  });
});
