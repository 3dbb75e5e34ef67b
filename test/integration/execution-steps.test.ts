import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AttemptRecord,
  DataTypes,
  FallbackExhaustedError,
  FeatureEventTypes,
  InMemoryHealthView,
  type ProviderStatus,
} from '../../src/index.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';

const NO_WAIT = { type: 'fixed', delay: 0 } as const;
const PRODUCT = 'my-product';
const ENV = 'prd';

const STRIPE = { id: 'ch_1', status: 'succeeded' };
const PAYPAL = { id: 'PAYID-1', status: 'COMPLETED' };
const SQUARE = { id: 'sq_1', status: 'COMPLETED' };

/** [provider, attempt, outcome] and, for skips, why: the part of a record these steps are about. */
function steps(attempts: readonly AttemptRecord[]): (string | number)[][] {
  return attempts.map((a) =>
    a.skipped ? [a.provider, a.attempt, a.outcome, a.skipped] : [a.provider, a.attempt, a.outcome],
  );
}

async function exhausted(promise: Promise<unknown>): Promise<FallbackExhaustedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FallbackExhaustedError);
  return error as FallbackExhaustedError;
}

/**
 * Three real HTTP providers behind three apps, and a health view set by hand, shared by both
 * suites below: a declarative chain (seed 001) and a code-first chain (seed 003) over the same apps.
 */
const health = new InMemoryHealthView();
const backstop = testBackstop({ health });
let stripe: ProviderSimulator;
let paypal: ProviderSimulator;
let square: ProviderSimulator;

function setHealth(healthcheck: string, status: ProviderStatus): void {
  health.set({ product: PRODUCT, env: ENV, healthcheck }, status);
}

function callCounts(): number[] {
  return [stripe.calls.length, paypal.calls.length, square.calls.length];
}

beforeAll(async () => {
  stripe = await ProviderSimulator.start('stripe', STRIPE);
  paypal = await ProviderSimulator.start('paypal', PAYPAL);
  square = await ProviderSimulator.start('square', SQUARE);
  for (const [tag, sim] of [
    ['stripe', stripe],
    ['paypal', paypal],
    ['square', square],
  ] as const) {
    await backstop.app.define({
      tag,
      envs: { prd: { baseUrl: sim.url } },
      actions: { charge: { method: 'POST', path: `/${tag}/charges` } },
    });
  }
});

afterAll(async () => {
  await backstop.close();
  await Promise.all([stripe, paypal, square].filter(Boolean).map((sim) => sim.close()));
});

beforeEach(() => {
  health.clear();
  for (const [sim, body] of [
    [stripe, STRIPE],
    [paypal, PAYPAL],
    [square, SQUARE],
  ] as const) {
    sim.reset();
    sim.always({ kind: 'ok', body });
  }
});

describe('seed 001: How Execution Works', () => {
  const tag = 'steps-001';
  const run = () =>
    backstop.fallback.runDetailed({
      product: PRODUCT,
      env: ENV,
      tag,
      input: { amount: 2500, currency: 'USD' },
    });

  beforeAll(async () => {
    const option = (app: string, retries: number, healthcheck?: string) => ({
      type: FeatureEventTypes.ACTION,
      event: 'charge',
      app,
      input: { amount: '$Input{amount}', currency: '$Input{currency}' },
      output: { transactionId: '$Response{id}', status: '$Response{status}' },
      retries,
      ...(healthcheck ? { healthcheck } : {}),
      backoff: NO_WAIT,
    });
    await backstop.fallback.create({
      name: 'Execution steps',
      tag,
      input: { amount: { type: DataTypes.NUMBER }, currency: { type: DataTypes.STRING } },
      options: [
        option('stripe', 2, 'stripe-health'),
        option('paypal', 2, 'paypal-health'),
        option('square', 1, 'square-health'),
      ],
    });
  });

  it('1. Try First Option: the first provider in the options array runs, once', async () => {
    const report = await run();

    expect(report.provider).toBe('stripe');
    expect(report.result).toStrictEqual({ provider: 'stripe', transactionId: 'ch_1', status: 'succeeded' });
    expect(steps(report.attempts)).toEqual([['stripe', 1, 'success']]);
    expect(stripe.calls[0]?.body).toEqual({ amount: 2500, currency: 'USD' });
    expect(callCounts()).toEqual([1, 0, 0]);
  });

  it('2. Retry on Failure: a failing provider is retried, up to its retry count, with one idempotency key', async () => {
    stripe.next({ kind: 'fail', status: 503 }, { kind: 'fail', status: 500 }); // then the default success

    const report = await run();

    expect(report.provider).toBe('stripe');
    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'success'],
    ]);
    expect(report.attempts.map((a) => a.error?.status)).toEqual([503, 500, undefined]);
    expect(new Set(stripe.idempotencyKeys).size).toBe(1);
    expect(stripe.idempotencyKeys[0]).toBe(report.attempts[0]?.idempotencyKey);
    expect(callCounts()).toEqual([3, 0, 0]);
  });

  it('3. Failover: when all retries fail, the next option runs (and the failed one is not called again)', async () => {
    stripe.down();

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(report.result).toStrictEqual({
      provider: 'paypal',
      transactionId: 'PAYID-1',
      status: 'COMPLETED',
    });
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
    expect(stripe.calls).toHaveLength(0);
    expect(callCounts()).toEqual([0, 1, 0]);
  });

  it('4. Healthcheck Integration: healthy and unknown providers are called', async () => {
    setHealth('stripe-health', 'healthy');
    setHealth('paypal-health', 'unknown');
    stripe.down();

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(report.attempts.some((a) => a.outcome === 'skipped')).toBe(false);
    expect(callCounts()).toEqual([3, 1, 0]);
  });

  it('5. Return Success: the first success is returned and later providers see no call', async () => {
    stripe.down();

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(report.attempts.at(-1)).toMatchObject({ provider: 'paypal', attempt: 1, outcome: 'success' });
    expect(report.attempts.filter((a) => a.provider === 'square')).toEqual([]);
    expect(square.calls).toHaveLength(0);
    expect(paypal.calls).toHaveLength(1);
  });

  it('6. All Failed: FallbackExhaustedError with every attempt and each provider’s last error', async () => {
    // Each provider's last answer differs from its earlier ones, so "last error" is observable.
    stripe
      .always({ kind: 'fail', status: 504 })
      .next({ kind: 'fail', status: 500 }, { kind: 'fail', status: 500 });
    paypal
      .always({ kind: 'fail', status: 429 })
      .next({ kind: 'fail', status: 503 }, { kind: 'fail', status: 503 });
    square.always({ kind: 'reset' }).next({ kind: 'fail', status: 502 });

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
    paypal.down(500);
    square.down(503);

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

describe('seed 003: How Fallback Selection Works', () => {
  const tag = 'selection-003';
  const run = () =>
    backstop.fallback.runDetailed({
      product: PRODUCT,
      env: ENV,
      tag,
      input: { amount: 5000, currency: 'usd' },
    });

  beforeAll(async () => {
    await backstop.fallback.define({
      product: PRODUCT,
      tag,
      name: 'Selection steps',
      input: { amount: { type: 'number' }, currency: { type: 'string' } },
      handler: (ctx) => {
        ctx
          .primary('stripe')
          .healthcheck('stripe-health')
          .app('stripe')
          .action('charge')
          .mapInput((input) => ({ body: { amount: input.amount, currency: input.currency } }))
          .mapOutput((res) => ({ chargeId: res.id, status: res.status }))
          .retries(1)
          .backoff(NO_WAIT);
        ctx
          .fallback('paypal')
          .healthcheck('paypal-health')
          .app('paypal')
          .action('charge')
          .mapInput((input) => ({
            body: { amount: { value: input.amount / 100, currency: input.currency } },
          }))
          .mapOutput((res) => ({
            chargeId: res.id,
            status: res.status === 'COMPLETED' ? 'succeeded' : res.status,
          }))
          .retries(1)
          .backoff(NO_WAIT);
        ctx
          .fallback('square')
          .healthcheck('square-health')
          .app('square')
          .action('charge')
          .mapOutput((res) => ({ chargeId: res.id, status: res.status }))
          .retries(0);
      },
    });
  });

  it('1. Check primary health: an unhealthy primary is not called', async () => {
    setHealth('stripe-health', 'unhealthy');

    const report = await run();

    expect(report.attempts[0]).toMatchObject({
      provider: 'stripe',
      attempt: 0,
      outcome: 'skipped',
      skipped: 'unhealthy',
    });
    expect(stripe.calls).toHaveLength(0);
    expect(report.provider).toBe('paypal');
  });

  it('2. Try primary: a healthy primary runs with its mapped input and output', async () => {
    setHealth('stripe-health', 'healthy');

    const report = await run();

    expect(report.result).toStrictEqual({ provider: 'stripe', chargeId: 'ch_1', status: 'succeeded' });
    expect(steps(report.attempts)).toEqual([['stripe', 1, 'success']]);
    expect(stripe.calls[0]?.body).toEqual({ amount: 5000, currency: 'usd' });
    expect(callCounts()).toEqual([1, 0, 0]);
  });

  it('3. On failure: the primary fails after its retries, then the next fallback runs', async () => {
    stripe.down();

    const report = await run();

    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 1, 'success'],
    ]);
    expect(report.result).toStrictEqual({ provider: 'paypal', chargeId: 'PAYID-1', status: 'succeeded' });
    expect(callCounts()).toEqual([2, 1, 0]);
  });

  it('4. Check fallback health: an unhealthy fallback is skipped, uncalled, for the next one', async () => {
    stripe.down();
    setHealth('paypal-health', 'unhealthy');

    const report = await run();

    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 0, 'skipped', 'unhealthy'],
      ['square', 1, 'success'],
    ]);
    expect(paypal.calls).toHaveLength(0);
    expect(report.result).toStrictEqual({ provider: 'square', chargeId: 'sq_1', status: 'COMPLETED' });
  });

  it('4. Check fallback health: the fallback’s health is read when it is reached, not when the run starts', async () => {
    // The primary's only attempts fail; while they are in flight, PayPal's healthcheck turns unhealthy.
    const failAndMarkPaypal = {
      kind: 'ok' as const,
      status: 503,
      body: () => {
        setHealth('paypal-health', 'unhealthy');
        return { error: 'stripe is down' };
      },
    };
    stripe.always(failAndMarkPaypal);

    const report = await run();

    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 0, 'skipped', 'unhealthy'],
      ['square', 1, 'success'],
    ]);
    expect(paypal.calls).toHaveLength(0);
  });

  it('5. Try fallback: a healthy fallback runs with its own mapped input', async () => {
    stripe.down();
    setHealth('paypal-health', 'healthy');

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(paypal.calls).toHaveLength(1);
    expect(paypal.calls[0]?.body).toEqual({ amount: { value: 50, currency: 'usd' } });
    expect(square.calls).toHaveLength(0);
  });

  it('6. Repeat: continues down the list until one succeeds', async () => {
    stripe.down();
    paypal.down();

    const report = await run();

    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 1, 'failure'],
      ['paypal', 2, 'failure'],
      ['square', 1, 'success'],
    ]);
    expect(report.provider).toBe('square');
    // Square has no mapInput: it receives the validated input as its body.
    expect(square.calls[0]?.body).toEqual({ amount: 5000, currency: 'usd' });
    expect(callCounts()).toEqual([2, 2, 1]);
  });

  it('6. Repeat: … or until no fallbacks are left (every provider failed)', async () => {
    stripe.down();
    paypal.down();
    square.down();

    const error = await exhausted(run());

    expect(error.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    expect(steps(error.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 1, 'failure'],
      ['paypal', 2, 'failure'],
      ['square', 1, 'failure'],
    ]);
    expect(Object.keys(error.providerErrors)).toEqual(['stripe', 'paypal', 'square']);
    expect(callCounts()).toEqual([2, 2, 1]);
  });

  it("6. Repeat: when every provider is unhealthy, they are tried anyway in order (whenAllUnhealthy: 'try-anyway')", async () => {
    setHealth('stripe-health', 'unhealthy');
    setHealth('paypal-health', 'unhealthy');
    setHealth('square-health', 'unhealthy');
    await backstop.fallback.update(PRODUCT, tag, { whenAllUnhealthy: 'try-anyway' });

    const report = await run();

    expect(steps(report.attempts)).toEqual([
      ['stripe', 0, 'skipped', 'unhealthy'],
      ['paypal', 0, 'skipped', 'unhealthy'],
      ['square', 0, 'skipped', 'unhealthy'],
      ['stripe', 1, 'success'],
    ]);
    expect(report.provider).toBe('stripe');
    expect(callCounts()).toEqual([1, 0, 0]);
  });

  it('6. Repeat: … or until no fallbacks are left (every provider unhealthy, whenAllUnhealthy: fail: nothing is called)', async () => {
    setHealth('stripe-health', 'unhealthy');
    setHealth('paypal-health', 'unhealthy');
    setHealth('square-health', 'unhealthy');
    await backstop.fallback.update(PRODUCT, tag, { whenAllUnhealthy: 'fail' });

    const error = await exhausted(run()).finally(() =>
      backstop.fallback.update(PRODUCT, tag, { whenAllUnhealthy: 'try-anyway' }),
    );

    expect(error.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    expect(steps(error.attempts)).toEqual([
      ['stripe', 0, 'skipped', 'unhealthy'],
      ['paypal', 0, 'skipped', 'unhealthy'],
      ['square', 0, 'skipped', 'unhealthy'],
    ]);
    expect(error.providerErrors).toEqual({});
    expect(callCounts()).toEqual([0, 0, 0]);
  });
});
