import { beforeAll, describe, expect, it } from 'vitest';
import { NO_WAIT, PAYMENT_ACTIONS, PAYMENT_RESPONSES } from '../fixtures/payment-chain.js';
import { ENV, exhausted, PRODUCT, steps, useExecutionKit } from '../helpers/execution-kit.js';

/**
 * How a code-first chain selects its provider, step by step: check the primary's health, try it,
 * on failure check the next fallback's health (when it is reached) and try it, and repeat until one
 * succeeds or none is left. Stripe (1 + 1), PayPal (1 + 1), Square (1), over the payment apps.
 */
describe('how a code-first chain selects its provider', () => {
  const { backstop, sims, setHealth, callCounts } = useExecutionKit();
  const tag = 'fallback-selection';
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
          .action(PAYMENT_ACTIONS.stripe.event)
          .mapInput((input) => ({ body: { amount: input.amount, currency: input.currency } }))
          .mapOutput((res) => ({ chargeId: res.id, status: res.status }))
          .retries(1)
          .backoff(NO_WAIT);
        ctx
          .fallback('paypal')
          .healthcheck('paypal-health')
          .app('paypal')
          .action(PAYMENT_ACTIONS.paypal.event)
          .mapInput((input) => ({
            body: { amount: { value: input.amount / 100, currency: input.currency } },
          }))
          .mapOutput((res) => ({
            chargeId: res.payment_id,
            status: res.state === 'approved' ? 'succeeded' : res.state,
          }))
          .retries(1)
          .backoff(NO_WAIT);
        ctx
          .fallback('square')
          .healthcheck('square-health')
          .app('square')
          .action(PAYMENT_ACTIONS.square.event)
          .mapOutput((res) => ({ chargeId: res.payment_id, status: res.status }))
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
    expect(sims.stripe.calls).toHaveLength(0);
    expect(report.provider).toBe('paypal');
  });

  it('2. Try primary: a healthy primary runs with its mapped input and output', async () => {
    setHealth('stripe-health', 'healthy');

    const report = await run();

    expect(report.result).toStrictEqual({
      provider: 'stripe',
      chargeId: PAYMENT_RESPONSES.stripe.id,
      status: 'succeeded',
    });
    expect(steps(report.attempts)).toEqual([['stripe', 1, 'success']]);
    expect(sims.stripe.calls[0]?.body).toEqual({ amount: 5000, currency: 'usd' });
    expect(callCounts()).toEqual([1, 0, 0]);
  });

  it('3. On failure: the primary fails after its retries, then the next fallback runs', async () => {
    sims.stripe.down();

    const report = await run();

    expect(steps(report.attempts)).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['paypal', 1, 'success'],
    ]);
    expect(report.result).toStrictEqual({
      provider: 'paypal',
      chargeId: PAYMENT_RESPONSES.paypal.payment_id,
      status: 'succeeded',
    });
    expect(callCounts()).toEqual([2, 1, 0]);
  });

  it.each([
    {
      when: 'marked unhealthy before the run',
      arrange: () => {
        sims.stripe.down();
        setHealth('paypal-health', 'unhealthy');
      },
    },
    {
      // Its health is read when it is reached, not when the run starts: it turns unhealthy while
      // the primary's attempts are in flight.
      when: 'turning unhealthy while the primary fails',
      arrange: () =>
        sims.stripe.always({
          kind: 'ok',
          status: 503,
          body: () => {
            setHealth('paypal-health', 'unhealthy');
            return { error: 'stripe is down' };
          },
        }),
    },
  ])(
    '4. Check fallback health: a fallback $when is skipped, uncalled, for the next one',
    async ({ arrange }) => {
      arrange();

      const report = await run();

      expect(steps(report.attempts)).toEqual([
        ['stripe', 1, 'failure'],
        ['stripe', 2, 'failure'],
        ['paypal', 0, 'skipped', 'unhealthy'],
        ['square', 1, 'success'],
      ]);
      expect(sims.paypal.calls).toHaveLength(0);
      expect(report.result).toStrictEqual({
        provider: 'square',
        chargeId: PAYMENT_RESPONSES.square.payment_id,
        status: 'COMPLETED',
      });
    },
  );

  it('5. Try fallback: a healthy fallback runs with its own mapped input', async () => {
    sims.stripe.down();
    setHealth('paypal-health', 'healthy');

    const report = await run();

    expect(report.provider).toBe('paypal');
    expect(sims.paypal.calls).toHaveLength(1);
    expect(sims.paypal.calls[0]?.body).toEqual({ amount: { value: 50, currency: 'usd' } });
    expect(sims.square.calls).toHaveLength(0);
  });

  it('6. Repeat: continues down the list until one succeeds', async () => {
    sims.stripe.down();
    sims.paypal.down();

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
    expect(sims.square.calls[0]?.body).toEqual({ amount: 5000, currency: 'usd' });
    expect(callCounts()).toEqual([2, 2, 1]);
  });

  it('6. Repeat: … or until no fallbacks are left (every provider failed)', async () => {
    sims.stripe.down();
    sims.paypal.down();
    sims.square.down();

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
    for (const name of ['stripe', 'paypal', 'square']) setHealth(`${name}-health`, 'unhealthy');
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
    for (const name of ['stripe', 'paypal', 'square']) setHealth(`${name}-health`, 'unhealthy');
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
