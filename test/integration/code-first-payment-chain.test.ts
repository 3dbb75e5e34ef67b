import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_WAIT } from '../fixtures/payment-chain.js';
import { testBackstop } from '../helpers/redis.js';
import { useSimulators } from '../helpers/simulators.js';

/** The code-first form of the README (`fallback.define`): define, run, fetch, fetchAll, update, delete. */
describe('a code-first payment chain (fallback.define)', () => {
  const backstop = testBackstop();
  const RESPONSES = {
    stripe: { id: 'ch_1Nq2b3', status: 'succeeded' },
    paypal: { id: '5O190127TN364715T', status: 'COMPLETED' },
    square: { id: 'KkAkhdMsgzn59SM8A', status: 'COMPLETED' },
  };
  const sims = useSimulators(RESPONSES);
  const RUN = {
    product: 'my-product',
    env: 'prd',
    tag: 'payment-fallback',
    input: { amount: 5000, currency: 'usd', card_token: 'tok_visa' },
  };

  /** Stripe → PayPal written as the README writes a code-first chain; `.backoff(NO_WAIT)` keeps retries fast. */
  function definePayments(tag: string) {
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
    const app = (tag: string, baseUrl: string, action: string, path: string) =>
      backstop.app.define({
        tag,
        envs: { prd: { baseUrl } },
        actions: { [action]: { method: 'POST', path } },
      });
    await app('stripe-app', sims.stripe.url, 'charge', '/v1/charges');
    await app('paypal-app', sims.paypal.url, 'payment', '/v2/checkout/orders');
    await app('square-app', sims.square.url, 'create-payment', '/v2/payments');
    await definePayments('payment-fallback');
  });
  afterAll(() => backstop.close());

  it('define returns the chain: primary then fallback, with healthchecks, apps, actions and retries', async () => {
    const described = await definePayments('payment-define');

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

    expect(result).toStrictEqual({ provider: 'stripe', chargeId: RESPONSES.stripe.id, status: 'succeeded' });
    expect(sims.stripe.calls).toHaveLength(1);
    expect(sims.stripe.calls[0]).toMatchObject({ method: 'POST', path: '/v1/charges' });
    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 5000, currency: 'usd', source: 'tok_visa' });
    expect(sims.paypal.calls).toHaveLength(0);
  });

  it('fails over to PayPal after the primary’s retries, with amount in major units and intent CAPTURE', async () => {
    sims.stripe.down(503);

    const result = await backstop.fallback.run(RUN);

    expect(result).toStrictEqual({ provider: 'paypal', chargeId: RESPONSES.paypal.id, status: 'COMPLETED' });
    expect(sims.stripe.calls).toHaveLength(3);
    expect(sims.paypal.calls).toHaveLength(1);
    expect(sims.paypal.calls[0]).toMatchObject({ method: 'POST', path: '/v2/checkout/orders' });
    expect(sims.paypal.calls[0]?.body).toStrictEqual({
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
    const before = await definePayments(tag);

    // An update that adds a third provider and drops the retries and the mappers.
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

    sims.stripe.down(503);
    sims.paypal.down(503);
    const input = { amount: 5000, currency: 'usd' };
    const report = await backstop.fallback.runDetailed({ product: 'my-product', env: 'prd', tag, input });

    // No retries and no mappers any more: one call each, the input as the body, the response as the result.
    expect(report.result).toStrictEqual({ provider: 'square', ...RESPONSES.square });
    expect(report.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      ['stripe', 1, 'failure'],
      ['paypal', 1, 'failure'],
      ['square', 1, 'success'],
    ]);
    expect(sims.stripe.calls).toHaveLength(1);
    expect(sims.paypal.calls).toHaveLength(1);
    expect(sims.square.calls[0]).toMatchObject({ path: '/v2/payments', body: input });
  });

  it('delete(product, tag) removes the fallback: fetch, run and a second delete are not-found errors', async () => {
    const tag = 'payment-delete';
    await definePayments(tag);

    await backstop.fallback.delete('my-product', tag);

    const notFound = expect.objectContaining({ code: 'BACKSTOP_NOT_FOUND' });
    await expect(backstop.fallback.fetch('my-product', tag)).rejects.toThrow(notFound);
    await expect(backstop.fallback.run({ ...RUN, tag })).rejects.toThrow(notFound);
    await expect(backstop.fallback.delete('my-product', tag)).rejects.toThrow(notFound);
    expect((await backstop.fallback.fetchAll('my-product')).map((f) => f.tag)).not.toContain(tag);
    expect(sims.stripe.calls).toHaveLength(0);
    // The other definitions are untouched.
    await expect(backstop.fallback.run(RUN)).resolves.toMatchObject({ provider: 'stripe' });
  });
});
