import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import type { AppDefinition, Backstop } from '../../src/index.js';
import { NO_BACKOFF, rejection } from '../helpers/http-chains.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';

/** The idempotency key where each provider reads it: header, custom header, body field, query, nowhere. */
describe('HTTP idempotency key placement', () => {
  let backstop: Backstop;
  const sims: ProviderSimulator[] = [];
  beforeAll(() => {
    backstop = testBackstop();
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  afterAll(() => backstop.close());

  async function app(
    name: string,
    idempotency: AppDefinition['idempotency'],
    action: Partial<AppDefinition['actions'][string]> = {},
  ): Promise<ProviderSimulator> {
    const sim = await ProviderSimulator.start(name);
    sims.push(sim);
    await backstop.app.define({
      tag: name,
      ...(idempotency === undefined ? {} : { idempotency }),
      envs: { prd: { baseUrl: sim.url } },
      actions: { pay: { method: 'POST', path: '/pay', ...action } },
    });
    return sim;
  }

  const option = (app: string, input: unknown, retries = 0) => ({
    type: 'action' as const,
    app,
    event: 'pay',
    input,
    retries,
    backoff: NO_BACKOFF,
  });

  it('Stripe, PayPal and Square each get the same key per run their way, on every retry', async () => {
    const stripe = (await app('stripe', undefined)).next({ kind: 'fail', status: 503 }, { kind: 'reset' });
    const paypal = (await app('paypal', { header: 'PayPal-Request-Id' })).next({ kind: 'fail', status: 500 });
    const square = (await app('square', { bodyField: 'idempotency_key' })).next({
      kind: 'fail',
      status: 503,
    });
    stripe.down(503);
    paypal.down(500);
    await backstop.fallback.create({
      name: 'payments',
      tag: 'key-placement',
      input: { amount: { type: 'number' } },
      options: [
        option('stripe', { amount: '$Input{amount}' }, 1),
        option('paypal', { amount: { value: '$Input{amount}' } }, 1),
        option('square', { amount_money: { amount: '$Input{amount}' } }, 1),
      ],
    });
    const report = await backstop.fallback.runDetailed({
      tag: 'key-placement',
      input: { amount: 100 },
      idempotencyKey: 'order-5',
    });
    expect(report.provider).toBe('square');
    expect(stripe.calls.map((c) => c.headers['idempotency-key'])).toEqual([
      'order-5:stripe',
      'order-5:stripe',
    ]);
    expect(paypal.calls.map((c) => c.headers['paypal-request-id'])).toEqual([
      'order-5:paypal',
      'order-5:paypal',
    ]);
    expect(paypal.calls.every((c) => c.headers['idempotency-key'] === undefined)).toBe(true);
    expect(square.calls.map((c) => c.body)).toEqual([
      { amount_money: { amount: 100 }, idempotency_key: 'order-5:square' },
      { amount_money: { amount: 100 }, idempotency_key: 'order-5:square' },
    ]);
    expect(square.calls.every((c) => c.headers['idempotency-key'] === undefined)).toBe(true);
  });

  it('a query parameter, a nested body field, nowhere, and an action overriding its app', async () => {
    const q = await app('q-app', { query: 'request_id' });
    const nested = await app('nested-app', { bodyField: 'meta.key' });
    const none = await app('none-app', false);
    const override = await app('override-app', { header: 'X-Key' }, { idempotency: { query: 'k' } });
    for (const [i, name] of ['q-app', 'nested-app', 'none-app', 'override-app'].entries()) {
      await backstop.fallback.create({ name, tag: `p-${i}`, options: [option(name, { body: { a: 1 } })] });
      await backstop.fallback.run({ tag: `p-${i}`, input: {}, idempotencyKey: 'k1' });
    }
    expect(q.calls[0]?.query).toEqual({ request_id: 'k1:q-app' });
    expect(nested.calls[0]?.body).toEqual({ a: 1, meta: { key: 'k1:nested-app' } });
    expect(none.calls[0]?.headers['idempotency-key']).toBeUndefined();
    expect(none.calls[0]?.body).toEqual({ a: 1 });
    expect(override.calls[0]?.query).toEqual({ k: 'k1:override-app' });
    expect(override.calls[0]?.headers['x-key']).toBeUndefined();
  });

  it('$Run{idempotencyKey} places the key in a declarative mapping; a value the mapping sets wins', async () => {
    const sim = await app('mapped-app', { bodyField: 'idempotency_key' });
    await backstop.fallback.create({
      name: 'mapped',
      tag: 'mapped-key',
      options: [option('mapped-app', { reference: 'pay-$Run{idempotencyKey}', idempotency_key: 'mine' })],
    });
    await backstop.fallback.run({ tag: 'mapped-key', input: {}, idempotencyKey: 'o-1' });
    expect(sim.calls[0]?.body).toEqual({ reference: 'pay-o-1:mapped-app', idempotency_key: 'mine' });
  });

  it('the code-first mapInput gets the key', async () => {
    const sim = await app('code-app', false);
    await backstop.fallback.define({
      tag: 'code-key',
      name: 'code key',
      handler: (ctx) => {
        ctx
          .primary('code')
          .app('code-app')
          .action('pay')
          .mapInput((input, { idempotencyKey }) => ({ body: { ...input, key: idempotencyKey } }));
      },
    });
    await backstop.fallback.run({ tag: 'code-key', input: { n: 1 }, idempotencyKey: 'o-2' });
    expect(sim.calls[0]?.body).toEqual({ n: 1, key: 'o-2:code' });
  });

  it("a 409 the app marks as 'key in use' is ambiguous and retried on the same provider, never a refusal", async () => {
    const stripe = (await app('stripe-409', { inProgressStatus: 409 })).next(
      { kind: 'fail', status: 409, body: { error: 'idempotency key in use' } },
      { kind: 'fail', status: 409 },
    );
    const other = await app('other-409', undefined);
    await backstop.fallback.create({
      name: 'in progress',
      tag: 'in-progress',
      options: [option('stripe-409', {}, 2), option('other-409', {})],
      onAmbiguous: 'stop',
    });
    const report = await backstop.fallback.runDetailed({ tag: 'in-progress', input: {} });
    expect(report.provider).toBe('stripe-409');
    expect(report.attempts.map((a) => a.error?.verdict ?? a.outcome)).toEqual([
      'ambiguous',
      'ambiguous',
      'success',
    ]);
    expect(other.calls).toHaveLength(0);

    // Still in progress after every retry: the chain stops rather than charge elsewhere.
    stripe.always({ kind: 'fail', status: 409 });
    const error = (await rejection(backstop.fallback.run({ tag: 'in-progress', input: {} }))) as {
      code: string;
    };
    expect(error.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
    expect(other.calls).toHaveLength(0);
  });

  it('refuses an app naming two places for the key, naming the field', async () => {
    const error = (await rejection(
      backstop.app.define({
        tag: 'two-places',
        idempotency: { header: 'X-Key', query: 'k' },
        envs: { prd: { baseUrl: 'http://127.0.0.1:1' } },
        actions: { pay: { method: 'POST', path: '/pay' } },
      }),
    )) as { code: string; message: string };
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.message).toContain('idempotency');
  });
});
