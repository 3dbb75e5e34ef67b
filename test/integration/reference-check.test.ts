import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import type { ValidationError } from '../../src/core/validation-error.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';

/** The paths and messages of a refusal, or undefined when the call went through. */
async function refusal(call: Promise<unknown>): Promise<Record<string, string> | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    expect((error as ValidationError).code).toBe(ErrorCodes.VALIDATION);
    return Object.fromEntries((error as ValidationError).issues.map((i) => [i.path, i.message]));
  }
}

const option = (app: string, event: string, extra: Record<string, unknown> = {}) => ({
  type: 'action' as const,
  app,
  event,
  ...extra,
});

describe('references checked when a definition is created', () => {
  const backstop = testBackstop({ checkReferences: true });
  const ready = (async () => {
    await backstop.app.define({
      tag: 'stripe',
      envs: { prd: { baseUrl: 'http://127.0.0.1:9' } },
      actions: { charge: { method: 'POST', path: '/charge' }, ping: { method: 'GET', path: '/ping' } },
    });
    await backstop.health.create({
      name: 'Stripe',
      tag: 'stripe-health',
      app: 'stripe',
      event: 'ping',
      interval: 60_000,
      envs: [{ slug: 'prd' }],
    });
  })();
  afterAll(() => backstop.close());

  it('refuses an unknown app, an action the app lacks and an unknown healthcheck, naming each field', async () => {
    await ready;
    const issues = await refusal(
      backstop.fallback.create({
        name: 'Pay',
        tag: 'pay-bad',
        options: [
          option('stripe', 'refund'),
          option('stirpe', 'charge'),
          option('stripe', 'charge', { provider: 'stripe-2', healthcheck: 'stripe-healht' }),
        ],
      }),
    );
    expect(issues).toEqual({
      'options[0].event': "app 'stripe' has no action 'refund' (actions: charge, ping)",
      'options[1].app':
        "no app 'stirpe' is defined (app.define), and no handler is registered for stirpe/charge",
      'options[2].healthcheck':
        "no healthcheck 'stripe-healht' in product 'my-product' (healthchecks: stripe-health); create it first with health.create",
    });
    await expect(backstop.fallback.fetch('pay-bad')).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
  });

  it('accepts what exists, and an app action served by an in-process handler without an app definition', async () => {
    await ready;
    backstop.handlers.register('ledger', 'write', async () => ({ ok: true }));
    const created = await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay-good',
      options: [option('stripe', 'charge', { healthcheck: 'stripe-health' }), option('ledger', 'write')],
    });
    expect(created.version).toBe(1);
  });

  it('refuses an update that names what does not exist and keeps the stored version', async () => {
    await ready;
    await backstop.fallback.create({ name: 'Pay', tag: 'pay-upd', options: [option('stripe', 'charge')] });
    const issues = await refusal(
      backstop.fallback.update('pay-upd', { options: [option('stripe', 'chrage')] }),
    );
    expect(Object.keys(issues ?? {})).toEqual(['options[0].event']);
    expect((await backstop.fallback.fetch('pay-upd')).version).toBe(1);
  });

  it('checks code-first chains at define time, by builder slot', async () => {
    await ready;
    const issues = await refusal(
      backstop.fallback.define({
        tag: 'code-bad',
        name: 'Code',
        handler: (ctx) => {
          ctx.primary('stripe').app('stripe').action('charge');
          ctx.fallback('paypal').app('paypal').action('payment');
          ctx.fallback('self').workflow('code-bad');
        },
      }),
    );
    expect(Object.keys(issues ?? {})).toEqual(['handler.fallback[0].app']);
  });

  it('checks the fallbacks and features a feature runs, and the app action a healthcheck probes', async () => {
    await ready;
    const feature = await refusal(
      backstop.features.create({
        tag: 'checkout',
        name: 'Checkout',
        events: [
          { type: 'action' as const, app: 'stripe', event: 'charge' },
          { type: 'fallback' as const, event: 'no-such-chain' },
        ],
      }),
    );
    expect(feature).toEqual({ 'events[1].event': "no fallback 'no-such-chain' in product 'my-product'" });
    const health = await refusal(
      backstop.health.create({
        name: 'S',
        tag: 's-health',
        app: 'stripe',
        event: 'status',
        interval: 60_000,
        envs: [{ slug: 'prd' }],
      }),
    );
    expect(health).toEqual({ event: "app 'stripe' has no action 'status' (actions: charge, ping)" });
  });

  it('allows forward references when told to, logging each one with its path', async () => {
    const logger = captureLogger();
    const lenient = testBackstop({ prefix: uniquePrefix(), checkReferences: false, logger });
    try {
      const created = await lenient.fallback.create({
        name: 'Later',
        tag: 'later',
        options: [option('defined-later', 'charge', { healthcheck: 'later-health' })],
      });
      expect(created.version).toBe(1);
      const warned = logger.lines.filter((l) => l.level === 'warn').map((l) => l.obj.path);
      expect(warned).toEqual(['options[0].app', 'options[0].healthcheck']);
      expect(logger.lines.find((l) => l.level === 'warn')?.msg).toContain('BACKSTOP_CHECK_REFERENCES=false');
    } finally {
      await lenient.close();
    }
  });
});
