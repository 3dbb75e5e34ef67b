import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backstop,
  ConflictError,
  DataTypes,
  type FeatureDefinition,
  type FeatureEvent,
  FeatureEventTypes,
  FeatureStepFailedError,
  NotFoundError,
  SessionInvalidError,
  type StepRecord,
  ValidationError,
} from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import { ProviderSimulator, type SeenCall } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';

/**
 * Seed 001 "Using Fallbacks in Features", end to end: a feature validates a payment with one app,
 * charges it through a declarative fallback (Stripe → PayPal) and logs it with another app, each
 * app a real HTTP simulator on loopback, definitions and job state in the test Redis.
 */

const NO_WAIT = { type: 'fixed', delay: 0 } as const;

const VALIDATED = { valid: true, check: 'chk_1' };
const STRIPE_CHARGE = { id: 'ch_3MmlLrLkdIwHu7ix0snN0B15', status: 'succeeded' };
const PAYPAL_PAYMENT = { payment_id: 'PAYID-MQ2X3LA', state: 'approved' };
const LOGGED = { logged: true, entry: 'log_42' };

const INPUT = { amount: 2500, currency: 'USD', userId: 'user_7' };

interface Sims {
  validate: ProviderSimulator;
  stripe: ProviderSimulator;
  paypal: ProviderSimulator;
  log: ProviderSimulator;
}

let sims: Sims;
let backstop: Backstop;

beforeAll(async () => {
  sims = {
    validate: await ProviderSimulator.start('payment-service', VALIDATED),
    stripe: await ProviderSimulator.start('stripe', STRIPE_CHARGE),
    paypal: await ProviderSimulator.start('paypal', PAYPAL_PAYMENT),
    log: await ProviderSimulator.start('logging-service', LOGGED),
  };
});
afterAll(async () => {
  await Promise.all(Object.values(sims ?? {}).map((sim: ProviderSimulator) => sim.close()));
});

beforeEach(async () => {
  answer(sims.validate, VALIDATED);
  answer(sims.stripe, STRIPE_CHARGE);
  answer(sims.paypal, PAYPAL_PAYMENT);
  answer(sims.log, LOGGED);
  backstop = testBackstop();
  await defineApps(backstop);
  await backstop.fallback.create(paymentFallback());
  await backstop.features.create(processPayment());
});
afterEach(async () => {
  await backstop.close();
});

/** The simulator answers every call with `body` again, its call log cleared. */
function answer(sim: ProviderSimulator, body: unknown): void {
  sim.reset();
  sim.always({ kind: 'ok', body });
}

function noCalls(...list: ProviderSimulator[]): void {
  for (const sim of list) expect(sim.calls, `${sim.name} calls`).toHaveLength(0);
}

async function defineApps(b: Backstop): Promise<void> {
  const app = (tag: string, sim: ProviderSimulator, actions: Record<string, string>) =>
    b.app.define({
      tag,
      envs: { prd: { baseUrl: sim.url } },
      actions: Object.fromEntries(
        Object.entries(actions).map(([action, path]) => [action, { method: 'POST', path }]),
      ),
    });
  await app('payment-service', sims.validate, { 'validate-payment': '/validate' });
  await app('logging-service', sims.log, { 'log-payment': '/logs', 'log-audit': '/audit' });
  await app('stripe', sims.stripe, { 'create-charge': '/v1/charges' });
  await app('paypal', sims.paypal, { 'create-payment': '/v1/payments/payment' });
}

/** The seed's declarative 'payment-fallback': Stripe (1 + 1 retry), then PayPal. */
function paymentFallback(tag = 'payment-fallback', customer?: string) {
  return {
    name: 'Payment Provider Fallback',
    tag,
    input: { amount: { type: DataTypes.NUMBER }, currency: { type: DataTypes.STRING } },
    options: [
      {
        type: FeatureEventTypes.ACTION,
        event: 'create-charge',
        app: 'stripe',
        input: {
          amount: '$Input{amount}',
          currency: '$Input{currency}',
          ...(customer ? { customer } : {}),
        },
        output: { transactionId: '$Response{id}', status: '$Response{status}' },
        retries: 1,
        backoff: NO_WAIT,
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'create-payment',
        app: 'paypal',
        input: { amount: '$Input{amount}', currency: '$Input{currency}' },
        output: { transactionId: '$Response{payment_id}', status: '$Response{state}' },
        retries: 0,
        backoff: NO_WAIT,
      },
    ],
  };
}

const VALIDATE_EVENT: FeatureEvent = {
  type: FeatureEventTypes.ACTION,
  event: 'validate-payment',
  app: 'payment-service',
  input: { amount: '$Input{amount}', userId: '$Input{userId}' },
};
const FALLBACK_EVENT: FeatureEvent = {
  type: FeatureEventTypes.FALLBACK,
  event: 'payment-fallback',
  input: { amount: '$Input{amount}', currency: '$Input{currency}' },
};
const LOG_EVENT: FeatureEvent = {
  type: FeatureEventTypes.ACTION,
  event: 'log-payment',
  app: 'logging-service',
  input: {
    transactionId: '$Sequence{payment-fallback}{transactionId}',
    provider: '$Sequence{payment-fallback}{provider}',
    amount: '$Input{amount}',
  },
};

/** Seed 001's feature, field for field. */
function processPayment(overrides: Partial<FeatureDefinition> = {}): FeatureDefinition {
  return {
    tag: 'process-payment',
    name: 'Process Payment with Fallback',
    input: {
      amount: { type: DataTypes.NUMBER },
      currency: { type: DataTypes.STRING },
      userId: { type: DataTypes.STRING },
    },
    events: [VALIDATE_EVENT, FALLBACK_EVENT, LOG_EVENT],
    ...overrides,
  };
}

const RUN = { tag: 'process-payment', input: INPUT };

function outline(steps: readonly StepRecord[]) {
  return steps.map((s) => ({ step: s.step, type: s.type, outcome: s.outcome, provider: s.provider }));
}

function attemptsOf(step: StepRecord | undefined) {
  return (step?.attempts ?? []).map((a) => [a.provider, a.attempt, a.outcome]);
}

async function queuedJobs(): Promise<number> {
  const counts = await (await backstop.jobQueue()).getJobCounts();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

describe('seed 001: process-payment end to end', () => {
  it('validates, charges on Stripe and logs Stripe’s charge id with provider stripe', async () => {
    const output = await backstop.features.run(RUN);

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

    await backstop.features.run(RUN);

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
    const report = await backstop.features.runDetailed(RUN);

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

    const report = await backstop.features.runDetailed(RUN);

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

    const error = await rejection(backstop.features.run(RUN));

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

    const error = await rejection(backstop.features.run(RUN));

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

describe('validation when a feature is created', () => {
  async function createError(events: FeatureEvent[], tag = 'bad-feature'): Promise<ValidationError> {
    const error = await rejection(backstop.features.create(processPayment({ tag, events })));
    expect(error).toBeInstanceOf(ValidationError);
    await expect(backstop.features.fetch(tag)).rejects.toBeInstanceOf(NotFoundError);
    return error as ValidationError;
  }

  it('rejects $Sequence{} of a step that only runs later, naming the event input', async () => {
    const error = await createError([
      { ...VALIDATE_EVENT, input: { amount: '$Input{amount}', tx: '$Sequence{log-payment}{x}' } },
      FALLBACK_EVENT,
      LOG_EVENT,
    ]);
    expect(error.issues.map((i) => i.path)).toEqual(['events[0].input.tx']);
    expect(error.message).toContain('log-payment');
  });

  it('rejects $Sequence{} of a step that does not exist', async () => {
    const error = await createError([
      VALIDATE_EVENT,
      { ...FALLBACK_EVENT, input: { amount: '$Sequence{nope}{x}', currency: '$Input{currency}' } },
    ]);
    expect(error.issues.map((i) => i.path)).toEqual(['events[1].input.amount']);
    expect(error.message).toContain('nope');
  });

  it('rejects two events with the same step name, naming events[1].tag', async () => {
    const error = await createError([VALIDATE_EVENT, VALIDATE_EVENT]);
    expect(error.issues.map((i) => i.path)).toEqual(['events[1].tag']);
  });

  it('rejects an ACTION event without app, naming events[i].app', async () => {
    const { app, ...withoutApp } = LOG_EVENT;
    const error = await createError([VALIDATE_EVENT, FALLBACK_EVENT, withoutApp]);
    expect(error.issues.map((i) => i.path)).toEqual(['events[2].app']);
  });

  it('rejects $Input{} of a field the input schema does not declare', async () => {
    const error = await createError([{ ...VALIDATE_EVENT, input: { amount: '$Input{notDeclared}' } }]);
    expect(error.issues.map((i) => i.path)).toEqual(['events[0].input.amount']);
    expect(error.message).toContain('notDeclared');
  });
});

it('a run with amount as a string rejects with ValidationError naming input.amount and calls nothing', async () => {
  const error = await rejection(backstop.features.run({ ...RUN, input: { ...INPUT, amount: '25' } }));

  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['input.amount']);
  noCalls(sims.validate, sims.stripe, sims.paypal, sims.log);
});

it('an event’s tag names its step: two ACTION events of the same action read apart by $Sequence', async () => {
  sims.log.always({
    kind: 'ok',
    body: (call: SeenCall) => ({ entry: `entry-${sims.log.calls.indexOf(call) + 1}` }),
  });
  await backstop.features.create({
    tag: 'double-log',
    name: 'Log twice',
    input: { amount: { type: DataTypes.NUMBER } },
    events: [
      {
        type: FeatureEventTypes.ACTION,
        event: 'log-payment',
        app: 'logging-service',
        tag: 'first-log',
        input: { amount: '$Input{amount}' },
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'log-payment',
        app: 'logging-service',
        tag: 'second-log',
        input: { previous: '$Sequence{first-log}{entry}' },
      },
    ],
  });

  const report = await backstop.features.runDetailed({ tag: 'double-log', input: { amount: 1 } });

  expect(report.steps.map((s) => s.step)).toEqual(['first-log', 'second-log']);
  expect(sims.log.calls.map((c) => c.body)).toEqual([{ amount: 1 }, { previous: 'entry-1' }]);
  expect(report.output).toStrictEqual({
    'first-log': { provider: 'logging-service', entry: 'entry-1' },
    'second-log': { provider: 'logging-service', entry: 'entry-2' },
  });
});

it('a feature with an output template returns exactly that output', async () => {
  await backstop.features.create(
    processPayment({
      tag: 'process-payment-out',
      output: { tx: '$Sequence{payment-fallback}{transactionId}', who: '$Input{userId}' },
    }),
  );

  const output = await backstop.features.run({ ...RUN, tag: 'process-payment-out' });

  expect(output).toStrictEqual({ tx: STRIPE_CHARGE.id, who: 'user_7' });
});

describe('features inside features', () => {
  async function createInner(): Promise<void> {
    await backstop.features.create({
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

  it('a FEATURE step runs the inner feature with its mapped input; its output feeds a later step; runDetailed nests its steps', async () => {
    await createInner();
    await backstop.features.create({
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

    const report = await backstop.features.runDetailed({ tag: 'outer', input: { total: 99 } });

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

  describe('a fallback option of type FEATURE', () => {
    async function createChain(): Promise<void> {
      await createInner();
      await backstop.fallback.create({
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

      const result = await backstop.fallback.run({ tag: 'house-first', input: { amount: 10 } });

      expect(result).toStrictEqual({ provider: 'in-house', tx: STRIPE_CHARGE.id });
      expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 10, currency: 'EUR' });
      noCalls(sims.paypal);
    });

    it('fails over to the next provider when the feature fails', async () => {
      await createChain();
      sims.stripe.down(503);
      sims.paypal.next({ kind: 'fail', status: 503 }); // PayPal inside the feature fails once

      const report = await backstop.fallback.runDetailed({ tag: 'house-first', input: { amount: 10 } });

      expect(report.result).toStrictEqual({ provider: 'paypal', tx: PAYPAL_PAYMENT.payment_id });
      expect(report.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
        ['in-house', 1, 'failure'],
        ['paypal', 1, 'success'],
      ]);
      expect(report.attempts[0]?.error?.code).toBe('BACKSTOP_FEATURE_STEP_FAILED');
      expect(sims.paypal.calls).toHaveLength(2); // once inside the feature, once as the chain's provider
    });
  });
});

describe('sessions in features', () => {
  async function createSessionFeature(): Promise<string> {
    await backstop.session.define({ tag: 'user', secret: 'x'.repeat(32) });
    await backstop.fallback.create(paymentFallback('session-fallback', '$Session{sub}'));
    await backstop.features.create({
      tag: 'session-payment',
      name: 'Pay as the signed-in user',
      input: { amount: { type: DataTypes.NUMBER } },
      events: [
        {
          type: FeatureEventTypes.ACTION,
          event: 'validate-payment',
          app: 'payment-service',
          input: { amount: '$Input{amount}', userId: '$Session{sub}' },
        },
        {
          type: FeatureEventTypes.FALLBACK,
          event: 'session-fallback',
          input: { amount: '$Input{amount}', currency: 'USD' },
        },
      ],
    });
    return backstop.session.sign({ tag: 'user', claims: { sub: 'user_42' }, expiresIn: '5m' });
  }

  it('$Session{sub} in an event’s input reaches the step’s provider, and the nested fallback’s option mapping', async () => {
    const token = await createSessionFeature();

    await backstop.features.run({
      tag: 'session-payment',
      input: { amount: 5 },
      session: { tag: 'user', token },
    });

    expect(sims.validate.calls[0]?.body).toStrictEqual({ amount: 5, userId: 'user_42' });
    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 5, currency: 'USD', customer: 'user_42' });
  });

  it('an invalid token rejects with SessionInvalidError and calls nothing', async () => {
    const token = await createSessionFeature();

    const error = await rejection(
      backstop.features.run({
        tag: 'session-payment',
        input: { amount: 5 },
        session: { tag: 'user', token: `${token}x` },
      }),
    );

    expect(error).toBeInstanceOf(SessionInvalidError);
    expect(error).toMatchObject({ code: 'BACKSTOP_SESSION_INVALID', session: 'user' });
    noCalls(sims.validate, sims.stripe, sims.paypal, sims.log);
  });
});

describe('features.dispatch with an in-process worker', () => {
  it('the job completes with kind feature, the output and three successful steps', async () => {
    await backstop.worker({ healthchecks: false });

    const handle = await backstop.features.dispatch(RUN);
    const job = await backstop.jobs.wait(handle.id, { timeout: 15_000 });

    expect(job).toMatchObject({ kind: 'feature', state: 'completed', tag: 'process-payment' });
    expect(job.output).toStrictEqual({
      'validate-payment': { provider: 'payment-service', ...VALIDATED },
      'payment-fallback': { provider: 'stripe', transactionId: STRIPE_CHARGE.id, status: 'succeeded' },
      'log-payment': { provider: 'logging-service', ...LOGGED },
    });
    expect(job.steps?.map((s) => [s.step, s.outcome])).toEqual([
      ['validate-payment', 'success'],
      ['payment-fallback', 'success'],
      ['log-payment', 'success'],
    ]);
    expect(sims.log.calls[0]?.body).toMatchObject({ transactionId: STRIPE_CHARGE.id, provider: 'stripe' });
    expect(await backstop.jobs.get(handle.id)).toMatchObject({ kind: 'feature', state: 'completed' });
  });

  it('an invalid input rejects the dispatch and queues nothing', async () => {
    const error = await rejection(backstop.features.dispatch({ ...RUN, input: { ...INPUT, amount: '25' } }));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['input.amount']);
    expect(await queuedJobs()).toBe(0);
  });

  it('a failing step fails the job with BACKSTOP_FEATURE_STEP_FAILED', async () => {
    sims.validate.always({ kind: 'fail', status: 422 });
    await backstop.worker({ healthchecks: false });

    const handle = await backstop.features.dispatch(RUN);
    const job = await backstop.jobs.wait(handle.id, { timeout: 15_000 });

    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('BACKSTOP_FEATURE_STEP_FAILED');
    expect(job.error?.message).toContain('validate-payment');
    expect(job.steps?.map((s) => [s.step, s.outcome])).toEqual([['validate-payment', 'failure']]);
    noCalls(sims.stripe, sims.paypal, sims.log);
  });
});

describe('stored features: fetch, fetchAll, update, delete', () => {
  it('fetch returns the stored definition at version 1; fetchAll lists it', async () => {
    const stored = await backstop.features.fetch('process-payment');

    expect(stored.product).toBe('my-product');
    expect(stored.version).toBe(1);
    expect(stored.definition).toMatchObject({
      tag: 'process-payment',
      name: 'Process Payment with Fallback',
    });
    expect(stored.definition.events.map((e) => e.event)).toEqual([
      'validate-payment',
      'payment-fallback',
      'log-payment',
    ]);
    const all = await backstop.features.fetchAll();
    expect(all.map((f) => f.definition.tag)).toEqual(['process-payment']);
  });

  it('update bumps the version and the next run uses the new event list', async () => {
    const updated = await backstop.features.update('process-payment', {
      events: [VALIDATE_EVENT, FALLBACK_EVENT],
    });

    expect(updated.version).toBe(2);
    const output = await backstop.features.run(RUN);
    expect(Object.keys(output as object)).toEqual(['validate-payment', 'payment-fallback']);
    noCalls(sims.log);
    expect((await backstop.features.fetch('process-payment')).version).toBe(2);
  });

  it('a run after delete rejects with NotFoundError and calls nothing', async () => {
    await backstop.features.delete('process-payment');

    await expect(backstop.features.run(RUN)).rejects.toBeInstanceOf(NotFoundError);
    await expect(backstop.features.fetch('process-payment')).rejects.toBeInstanceOf(NotFoundError);
    noCalls(sims.validate, sims.stripe, sims.paypal, sims.log);
  });

  it('creating the same feature again is a no-op', async () => {
    const again = await backstop.features.create(processPayment());

    expect(again.version).toBe(1);
    expect(await backstop.features.fetchAll()).toHaveLength(1);
  });

  it('a different definition under the same tag is a ConflictError', async () => {
    const error = await rejection(backstop.features.create(processPayment({ name: 'Something else' })));

    expect(error).toBeInstanceOf(ConflictError);
    expect((await backstop.features.fetch('process-payment')).definition.name).toBe(
      'Process Payment with Fallback',
    );
  });
});

describe('idempotency keys', () => {
  const keysSeen = () => [sims.validate, sims.stripe, sims.log].map((s) => s.idempotencyKeys);

  it('each step’s provider call carries an idempotency key, different for each step', async () => {
    await backstop.features.run(RUN);

    const keys = keysSeen().flat();
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toEqual(expect.stringMatching(/.+/));
    expect(new Set(keys).size).toBe(3);
  });

  it('running with idempotencyKey order-1 twice sends the same keys again; order-2 sends others', async () => {
    await backstop.features.run({ ...RUN, idempotencyKey: 'order-1' });
    const first = keysSeen().map((k) => k[0]);
    await backstop.features.run({ ...RUN, idempotencyKey: 'order-1' });
    const second = keysSeen().map((k) => k[1]);
    await backstop.features.run({ ...RUN, idempotencyKey: 'order-2' });
    const third = keysSeen().map((k) => k[2]);

    expect(first).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    expect(second).toEqual(first);
    for (const [i, key] of third.entries()) expect(key).not.toBe(first[i]);
  });
});
