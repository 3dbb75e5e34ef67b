import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import type { Backstop } from '../../src/index.js';
import { NO_BACKOFF, rejection } from '../helpers/http-chains.js';
import { type Fault, IdempotentProvider } from '../helpers/idempotent-provider.js';
import { testBackstop } from '../helpers/redis.js';

/** onAmbiguous 'verify' against providers that honour keys and say what became of one. */
describe("onAmbiguous 'verify' over HTTP", () => {
  let backstop: Backstop;
  const providers: IdempotentProvider[] = [];
  beforeAll(() => {
    backstop = testBackstop();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(() => backstop.close());

  async function provider(name: string, faults: Fault[], verifyDown = false): Promise<IdempotentProvider> {
    const p = await IdempotentProvider.start(name, {
      faults: () => faults.shift() ?? 'ok',
      hangMs: 1_000,
      verifyDown,
    });
    providers.push(p);
    await backstop.app.define({
      tag: name,
      idempotency: { inProgressStatus: 409 },
      envs: { prd: { baseUrl: p.url } },
      actions: {
        charge: { method: 'POST', path: '/charge' },
        'find-charge': { method: 'GET', path: '/verify', idempotency: false },
      },
    });
    return p;
  }

  const verify = {
    event: 'find-charge',
    input: { query: { key: '$Run{idempotencyKey}' } },
    output: '$Response{charge}',
  };
  const option = (app: string, extra: Record<string, unknown> = {}) => ({
    type: 'action' as const,
    app,
    event: 'charge',
    output: { chargeId: '$Response{id}' },
    timeout: 1_000,
    backoff: NO_BACKOFF,
    ...extra,
  });

  it('a charge whose answer was lost is found by verify and becomes the result: no second provider', async () => {
    const stripe = await provider('v-stripe', ['reset-after']);
    const paypal = await provider('v-paypal', []);
    await backstop.fallback.create({
      name: 'verified',
      tag: 'verified',
      options: [option('v-stripe', { verify }), option('v-paypal')],
    });
    const report = await backstop.fallback.runDetailed({ tag: 'verified', input: {}, idempotencyKey: 'o-1' });
    expect(report.provider).toBe('v-stripe');
    expect(report.result).toEqual({ provider: 'v-stripe', chargeId: stripe.effects.get('o-1:v-stripe')?.id });
    expect(report.attempts.map((a) => [a.outcome, a.error?.verdict ?? a.verify])).toEqual([
      ['failure', 'ambiguous'],
      ['verify', 'succeeded'],
    ]);
    expect(paypal.calls).toBe(0);
  });

  it('a gateway timeout before the provider saw anything: verify says not found, failing over is safe', async () => {
    const stripe = await provider('n-stripe', ['gateway-before']);
    const paypal = await provider('n-paypal', []);
    await backstop.fallback.create({
      name: 'not found',
      tag: 'not-found',
      options: [option('n-stripe', { verify }), option('n-paypal')],
    });
    const report = await backstop.fallback.runDetailed({ tag: 'not-found', input: {} });
    expect(report.provider).toBe('n-paypal');
    expect(paypal.effects.size).toBe(1);
    expect(stripe.effects.size).toBe(0);
    expect(report.attempts.map((a) => a.verify).filter(Boolean)).toEqual(['not-found']);
  });

  it('a retry within the retries meets the same key and gets the original answer: one effect', async () => {
    const stripe = await provider('r-stripe', ['hang-after']);
    await backstop.fallback.create({
      name: 'retried',
      tag: 'retried',
      options: [option('r-stripe', { verify, retries: 8, backoff: { type: 'fixed', delay: 400 } })],
    });
    const report = await backstop.fallback.runDetailed({ tag: 'retried', input: {} });
    expect(report.provider).toBe('r-stripe');
    expect(stripe.effects.size).toBe(1);
    // The hang left the key in use (409, ambiguous) until the provider finished; then the replay.
    expect(report.attempts.at(-1)).toMatchObject({ outcome: 'success' });
  });

  it('a verify that cannot answer stops the chain with the key to reconcile', async () => {
    await provider('u-stripe', ['reset-after'], true);
    const paypal = await provider('u-paypal', []);
    await backstop.fallback.create({
      name: 'unknown',
      tag: 'unknown',
      options: [option('u-stripe', { verify }), option('u-paypal')],
    });
    const error = (await rejection(
      backstop.fallback.run({ tag: 'unknown', input: {}, idempotencyKey: 'o-3' }),
    )) as {
      code: string;
      idempotencyKey: string;
    };
    expect(error).toMatchObject({ code: ErrorCodes.FALLBACK_AMBIGUOUS, idempotencyKey: 'o-3:u-stripe' });
    expect(paypal.calls).toBe(0);
  });

  it("refuses 'verify' for an option with nothing to verify with, naming it", async () => {
    const error = (await rejection(
      backstop.fallback.create({
        name: 'x',
        tag: 'no-verify',
        onAmbiguous: 'verify',
        options: [option('anything')],
      }),
    )) as { code: string; message: string };
    expect(error.code).toBe(ErrorCodes.VALIDATION);
    expect(error.message).toContain('options[0].verify');
  });

  it('code-first .verify() gets the key and the request, and its answer is mapped like a response', async () => {
    const stripe = await provider('c-stripe', ['gateway-after']);
    const seen: unknown[] = [];
    await backstop.fallback.define({
      tag: 'code-verify',
      name: 'code verify',
      handler: (ctx) => {
        ctx
          .primary('stripe')
          .app('c-stripe')
          .action('charge')
          .mapInput((input) => ({ body: input }))
          .mapOutput((res) => ({ chargeId: res.id }))
          .verify(async ({ idempotencyKey, request, signal }) => {
            seen.push({ idempotencyKey, request, aborted: signal.aborted });
            const res = await fetch(`${stripe.url}/verify?key=${encodeURIComponent(idempotencyKey)}`, {
              signal,
            });
            if (res.status === 404) return { status: 'not-found' };
            if (!res.ok) return { status: 'unknown' };
            return { status: 'succeeded', response: ((await res.json()) as { charge: unknown }).charge };
          });
      },
    });
    const result = await backstop.fallback.run({
      tag: 'code-verify',
      input: { amount: 3 },
      idempotencyKey: 'o-4',
    });
    expect(result).toEqual({ provider: 'stripe', chargeId: stripe.effects.get('o-4:stripe')?.id });
    expect(seen).toEqual([
      { idempotencyKey: 'o-4:stripe', request: { body: { amount: 3 } }, aborted: false },
    ]);
  });
});
