import { describe, expect, it } from 'vitest';
import { DataTypes, FeatureEventTypes, FeatureStepFailedError, ValidationError } from '../../src/index.js';
import {
  FEATURE_INPUT,
  FEATURE_RESPONSES,
  FEATURE_RUN,
  processPayment,
} from '../fixtures/process-payment.js';
import { attemptsOf, noCalls, outline, useProcessPayment } from '../helpers/feature-kit.js';
import { rejection } from '../helpers/http-chains.js';
import type { SeenCall } from '../helpers/provider-simulator.js';

/**
 * The documented feature end to end: `process-payment` validates a payment with one app, charges it
 * through the payment chain (Stripe → PayPal) and logs it with another app, each app a real HTTP
 * simulator on loopback, definitions and job state in the test Redis.
 */
const { sims, backstop } = useProcessPayment();
const { validate: VALIDATED, stripe: STRIPE_CHARGE, paypal: PAYPAL_PAYMENT, log: LOGGED } = FEATURE_RESPONSES;

describe('process-payment end to end', () => {
  it('validates, charges on Stripe and logs Stripe’s charge id with provider stripe', async () => {
    const output = await backstop().features.run(FEATURE_RUN);

    expect(sims.validate.calls).toHaveLength(1);
    expect(sims.validate.calls[0]).toMatchObject({
      method: 'POST',
      path: '/validate',
      body: { amount: 2500, userId: 'user_7' },
    });
    expect(sims.stripe.calls).toHaveLength(1);
    expect(sims.stripe.calls[0]).toMatchObject({
      path: '/v1/charges',
      body: { amount: 2500, currency: 'USD' },
    });
    noCalls(sims.paypal);
    expect(sims.log.calls).toHaveLength(1);
    expect(sims.log.calls[0]).toMatchObject({ path: '/logs' });
    expect(sims.log.calls[0]?.body).toStrictEqual({
      transactionId: STRIPE_CHARGE.id,
      provider: 'stripe',
      amount: 2500,
    });
    expect(output).toStrictEqual({
      'validate-payment': { provider: 'payment-service', ...VALIDATED },
      'payment-fallback': { provider: 'stripe', transactionId: STRIPE_CHARGE.id, status: 'succeeded' },
      'log-payment': { provider: 'logging-service', ...LOGGED },
    });
  });

  it('with Stripe down, the log step gets PayPal’s payment id and provider paypal', async () => {
    sims.stripe.down(503);

    await backstop().features.run(FEATURE_RUN);

    expect(sims.stripe.calls).toHaveLength(2);
    expect(sims.paypal.calls).toHaveLength(1);
    expect(sims.paypal.calls[0]?.body).toStrictEqual({ amount: 2500, currency: 'USD' });
    expect(sims.log.calls).toHaveLength(1);
    expect(sims.log.calls[0]?.body).toStrictEqual({
      transactionId: PAYPAL_PAYMENT.payment_id,
      provider: 'paypal',
      amount: 2500,
    });
  });

  it('runDetailed records the three steps in order, each successful with its attempts', async () => {
    const report = await backstop().features.runDetailed(FEATURE_RUN);

    expect(report.feature).toBe('process-payment');
    expect(report.runId).toEqual(expect.any(String));
    expect(outline(report.steps)).toEqual([
      { step: 'validate-payment', type: 'action', outcome: 'success', provider: 'payment-service' },
      { step: 'payment-fallback', type: 'fallback', outcome: 'success', provider: 'stripe' },
      { step: 'log-payment', type: 'action', outcome: 'success', provider: 'logging-service' },
    ]);
    expect(report.steps.map((s) => s.target)).toEqual([
      'app payment-service/validate-payment',
      'fallback payment-fallback',
      'app logging-service/log-payment',
    ]);
    expect(report.steps.map(attemptsOf)).toEqual([
      [['payment-service', 1, 'success']],
      [['stripe', 1, 'success']],
      [['logging-service', 1, 'success']],
    ]);
    expect(report.steps[1]?.output).toStrictEqual({
      provider: 'stripe',
      transactionId: STRIPE_CHARGE.id,
      status: 'succeeded',
    });
    for (const step of report.steps) expect(step.error).toBeUndefined();
  });

  it('runDetailed shows the fallback step’s Stripe failures then PayPal’s success when Stripe is down', async () => {
    sims.stripe.down(503);

    const report = await backstop().features.runDetailed(FEATURE_RUN);

    expect(report.steps.map((s) => s.outcome)).toEqual(['success', 'success', 'success']);
    const charge = report.steps[1];
    expect(charge?.provider).toBe('paypal');
    expect(attemptsOf(charge)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 1, 'success'],
    ]);
    expect(charge?.attempts[0]?.error).toMatchObject({ status: 503 });
  });
});

describe('a failing step stops the feature', () => {
  it('validate-payment answering 422 rejects with FeatureStepFailedError naming the step; nothing after it runs', async () => {
    sims.validate.always({ kind: 'fail', status: 422, body: { error: 'card blocked' } });

    const error = await rejection(backstop().features.run(FEATURE_RUN));

    expect(error).toBeInstanceOf(FeatureStepFailedError);
    const failed = error as FeatureStepFailedError;
    expect(failed.code).toBe('BACKSTOP_FEATURE_STEP_FAILED');
    expect(failed.step).toBe('validate-payment');
    expect(failed.message).toContain("'validate-payment'");
    expect(sims.validate.calls).toHaveLength(1);
    noCalls(sims.stripe, sims.paypal, sims.log);
    expect(failed.steps).toHaveLength(1);
    const record = failed.steps[0];
    expect(record).toMatchObject({ step: 'validate-payment', outcome: 'failure' });
    expect(attemptsOf(record)).toEqual([['payment-service', 1, 'failure']]);
    expect(record?.attempts[0]?.error).toMatchObject({ status: 422 });
    expect(record?.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  });

  it('a fallback step with every provider down fails at payment-fallback with the chain exhausted; the log step is not called', async () => {
    sims.stripe.down(503);
    sims.paypal.down(503);

    const error = await rejection(backstop().features.run(FEATURE_RUN));

    expect(error).toBeInstanceOf(FeatureStepFailedError);
    const failed = error as FeatureStepFailedError;
    expect(failed.step).toBe('payment-fallback');
    expect(failed.causeCode).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    noCalls(sims.log);
    expect(outline(failed.steps)).toEqual([
      { step: 'validate-payment', type: 'action', outcome: 'success', provider: 'payment-service' },
      { step: 'payment-fallback', type: 'fallback', outcome: 'failure', provider: undefined },
    ]);
    expect(failed.steps[0]?.output).toStrictEqual({ provider: 'payment-service', ...VALIDATED });
    expect(attemptsOf(failed.steps[1])).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 1, 'failure'],
    ]);
    expect(failed.steps[1]?.error?.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
  });
});

describe('a run’s input and output', () => {
  it('a run with amount as a string rejects with ValidationError naming input.amount and calls nothing', async () => {
    const error = await rejection(
      backstop().features.run({ ...FEATURE_RUN, input: { ...FEATURE_INPUT, amount: '25' } }),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['input.amount']);
    noCalls(sims.validate, sims.stripe, sims.paypal, sims.log);
  });

  it('an event’s tag names its step: two ACTION events of the same action read apart by $Sequence', async () => {
    sims.log.always({
      kind: 'ok',
      body: (call: SeenCall) => ({ entry: `entry-${sims.log.calls.indexOf(call) + 1}` }),
    });
    const logPayment = { type: FeatureEventTypes.ACTION, event: 'log-payment', app: 'logging-service' };
    await backstop().features.create({
      tag: 'double-log',
      name: 'Log twice',
      input: { amount: { type: DataTypes.NUMBER } },
      events: [
        { ...logPayment, tag: 'first-log', input: { amount: '$Input{amount}' } },
        { ...logPayment, tag: 'second-log', input: { previous: '$Sequence{first-log}{entry}' } },
      ],
    });

    const report = await backstop().features.runDetailed({ tag: 'double-log', input: { amount: 1 } });

    expect(report.steps.map((s) => s.step)).toEqual(['first-log', 'second-log']);
    expect(sims.log.calls.map((c) => c.body)).toEqual([{ amount: 1 }, { previous: 'entry-1' }]);
    expect(report.output).toStrictEqual({
      'first-log': { provider: 'logging-service', entry: 'entry-1' },
      'second-log': { provider: 'logging-service', entry: 'entry-2' },
    });
  });

  it('a feature with an output template returns exactly that output', async () => {
    await backstop().features.create(
      processPayment({
        tag: 'process-payment-out',
        output: { tx: '$Sequence{payment-fallback}{transactionId}', who: '$Input{userId}' },
      }),
    );

    const output = await backstop().features.run({ ...FEATURE_RUN, tag: 'process-payment-out' });

    expect(output).toStrictEqual({ tx: STRIPE_CHARGE.id, who: 'user_7' });
  });
});

describe('idempotency keys', () => {
  const keysSeen = () => [sims.validate, sims.stripe, sims.log].map((s) => s.idempotencyKeys);

  it('each step’s provider call carries an idempotency key, different for each step', async () => {
    await backstop().features.run(FEATURE_RUN);

    const keys = keysSeen().flat();
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toEqual(expect.stringMatching(/.+/));
    expect(new Set(keys).size).toBe(3);
  });

  it('running with idempotencyKey order-1 twice sends the same keys again; order-2 sends others', async () => {
    await backstop().features.run({ ...FEATURE_RUN, idempotencyKey: 'order-1' });
    const first = keysSeen().map((k) => k[0]);
    await backstop().features.run({ ...FEATURE_RUN, idempotencyKey: 'order-1' });
    const second = keysSeen().map((k) => k[1]);
    await backstop().features.run({ ...FEATURE_RUN, idempotencyKey: 'order-2' });
    const third = keysSeen().map((k) => k[2]);

    expect(first).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    expect(second).toEqual(first);
    for (const [i, key] of third.entries()) expect(key).not.toBe(first[i]);
  });
});
