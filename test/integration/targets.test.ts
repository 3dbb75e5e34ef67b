import { afterAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  FallbackExhaustedError,
  FeatureEventTypes,
  type TargetContext,
} from '../../src/index.js';
import { testBackstop } from '../helpers/redis.js';

describe('in-process handlers', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it('get the mapped request and a context with signal, idempotency key, attempt, provider, env and logger', async () => {
    const seen: { request: unknown; ctx: TargetContext }[] = [];
    backstop.handlers.register('internal-app', 'charge', async (request, ctx) => {
      seen.push({ request, ctx });
      if (ctx.attempt === 1) throw new Error('first attempt fails');
      return { id: 'ch_1' };
    });
    await backstop.fallback.create({
      name: 'Internal',
      tag: 'internal',
      input: { amount: { type: 'number' } },
      options: [
        {
          type: FeatureEventTypes.ACTION,
          app: 'internal-app',
          event: 'charge',
          input: { cents: '$Input{amount}' },
          output: { chargeId: '$Response{id}' },
          retries: 1,
          backoff: { type: 'fixed', delay: 0 },
        },
      ],
    });
    const report = await backstop.fallback.runDetailed({
      tag: 'internal',
      input: { amount: 5 },
      runId: 'run-7',
    });
    expect(report.result).toEqual({ provider: 'internal-app', chargeId: 'ch_1' });
    expect(seen.map((s) => s.request)).toEqual([{ cents: 5 }, { cents: 5 }]);
    const ctx = seen[1]!.ctx;
    expect(ctx).toMatchObject({
      attempt: 2,
      provider: 'internal-app',
      env: 'prd',
      product: 'my-product',
      runId: 'run-7',
    });
    expect(ctx.idempotencyKey).toBe('run-7:internal-app');
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(typeof ctx.logger.info).toBe('function');
  });

  it('inline .handler(fn) targets run code-first chains without touching apps', async () => {
    await backstop.fallback.define({
      tag: 'inline',
      name: 'Inline',
      input: { to: { type: 'string' } },
      handler: (ctx) => {
        ctx.primary('primary').handler(async () => {
          throw new Error('primary down');
        });
        ctx
          .fallback('backup')
          .handler(async (request) => ({ sent: request }))
          .mapInput((input, { fallback }) => ({ to: input.to, because: fallback?.error }))
          .mapOutput((res) => ({ delivered: res.sent }));
      },
    });
    expect(await backstop.fallback.run({ tag: 'inline', input: { to: '+1' } })).toEqual({
      provider: 'backup',
      delivered: { to: '+1', because: 'primary down' },
    });
  });
});

describe('target kinds', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it('workflow(tag) runs another stored fallback as a nested chain', async () => {
    backstop.handlers.register('warehouse', 'reserve', async (request) => ({ reservation: 'r1', request }));
    await backstop.fallback.create({
      name: 'Order processing',
      tag: 'order-processing',
      options: [{ type: FeatureEventTypes.ACTION, app: 'warehouse', event: 'reserve' }],
    });
    await backstop.fallback.define({
      tag: 'standard-flow',
      name: 'Standard flow',
      handler: (ctx) =>
        void ctx.primary('standard-flow').workflow('order-processing').input({ priority: 'high' }),
    });
    const result = await backstop.fallback.run({ tag: 'standard-flow', input: { sku: 'A' } });
    expect(result).toEqual({
      provider: 'standard-flow',
      reservation: 'r1',
      request: { sku: 'A', priority: 'high' },
    });
  });

  it('a workflow loop is cut at the depth limit and fails over', async () => {
    await backstop.fallback.define({
      tag: 'loop',
      name: 'Loop',
      handler: (ctx) => {
        ctx.primary('self').workflow('loop');
        ctx.fallback('escape').handler(async () => ({ escaped: true }));
      },
    });
    // The innermost level fails over to `escape`, and the levels above return its result.
    const report = await backstop.fallback.runDetailed({ tag: 'loop' });
    expect(report.result).toMatchObject({ escaped: true });
  });

  it('database and notification targets call the adapter registered for their kind', async () => {
    const calls: unknown[] = [];
    backstop.targets.register('database', {
      call: async (target, request) => {
        calls.push({ target, request });
        return { rows: 1 };
      },
    });
    await backstop.fallback.define({
      tag: 'write',
      name: 'Write',
      handler: (ctx) => void ctx.primary('primary-db').database('main-db').action('write'),
    });
    expect(await backstop.fallback.run({ tag: 'write', input: { id: 1 } })).toEqual({
      provider: 'primary-db',
      rows: 1,
    });
    expect(calls).toEqual([
      { target: { kind: 'database', database: 'main-db', action: 'write' }, request: { id: 1 } },
    ]);
  });

  it('a target kind without an adapter, an unknown app or a missing env fails over without retrying', async () => {
    await backstop.fallback.define({
      tag: 'unavailable',
      name: 'Unavailable',
      handler: (ctx) => {
        ctx.primary('sendgrid').notification('transactional-email').event('send').retries(3);
        ctx.fallback('ghost').app('no-such-app').action('x').retries(3);
      },
    });
    const error = await backstop.fallback.run({ tag: 'unavailable' }).catch((e) => e);
    expect(error).toBeInstanceOf(FallbackExhaustedError);
    expect(
      (error as FallbackExhaustedError).attempts.map((a) => [a.provider, a.attempt, a.error?.code]),
    ).toEqual([
      ['sendgrid', 1, ErrorCodes.TARGET_UNAVAILABLE],
      ['ghost', 1, ErrorCodes.TARGET_UNAVAILABLE],
    ]);
    expect(error.message).toContain("register one with backstop.targets.register('notification', adapter)");
    expect(error.message).toContain("app 'no-such-app' is not defined");
  });
});
