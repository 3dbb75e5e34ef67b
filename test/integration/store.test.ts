import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, FeatureEventTypes } from '../../src/index.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

const handlerOption = (app: string, extra: Record<string, unknown> = {}) => ({
  type: FeatureEventTypes.ACTION,
  event: 'charge',
  app,
  retries: 0,
  ...extra,
});

describe('fallback definitions in Redis', () => {
  const prefix = uniquePrefix();
  const backstop = testBackstop({ prefix });
  backstop.handlers.register('a', 'charge', async () => ({ id: 'a' }));
  backstop.handlers.register('b', 'charge', async () => ({ id: 'b' }));
  afterAll(() => backstop.close());

  it('creates once; the same definition again is a no-op, a different one a conflict', async () => {
    const definition = { name: 'Pay', tag: 'pay', options: [handlerOption('a')] };
    const first = await backstop.fallback.create(definition);
    expect(first).toMatchObject({ version: 1, source: 'declarative', product: 'my-product' });
    expect((await backstop.fallback.create(definition)).version).toBe(1);
    await expect(
      backstop.fallback.create({ ...definition, options: [handlerOption('b')] }),
    ).rejects.toMatchObject({
      code: ErrorCodes.CONFLICT,
      message: expect.stringContaining('use fallback.update()'),
    });
  });

  it('update bumps the version and the next run uses the new definition', async () => {
    await backstop.fallback.create({
      name: 'Order',
      tag: 'order',
      options: [handlerOption('a'), handlerOption('b')],
    });
    expect((await backstop.fallback.run({ tag: 'order' })).provider).toBe('a');
    const updated = await backstop.fallback.update('order', {
      options: [handlerOption('b'), handlerOption('a')],
    });
    expect(updated.version).toBe(2);
    expect(updated.options.map((o) => o.provider)).toEqual(['b', 'a']);
    expect((await backstop.fallback.run({ tag: 'order' })).provider).toBe('b');
  });

  it('rejects an invalid update and keeps the stored definition', async () => {
    await backstop.fallback.create({ name: 'Keep', tag: 'keep', options: [handlerOption('a')] });
    await expect(
      backstop.fallback.update('keep', { options: [handlerOption('a', { retries: 'x' })] }),
    ).rejects.toMatchObject({
      code: ErrorCodes.VALIDATION,
      issues: [{ path: 'options[0].retries', message: 'expected number, received string' }],
    });
    expect((await backstop.fallback.fetch('keep')).version).toBe(1);
  });

  it('serializes concurrent updates: every one lands, each with its own version', async () => {
    await backstop.fallback.create({ name: 'Race', tag: 'race', options: [handlerOption('a')] });
    const results = await Promise.all(
      [1, 2, 3].map((n) => backstop.fallback.update('race', { description: `update ${n}` })),
    );
    expect(results.map((r) => r.version).sort()).toEqual([2, 3, 4]);
  });

  it('fetches by tag or by product and tag, lists stored and code-first, deletes', async () => {
    await backstop.fallback.create('other-product', { name: 'O', tag: 'o', options: [handlerOption('a')] });
    await backstop.fallback.define({
      product: 'other-product',
      tag: 'code',
      name: 'Code',
      handler: (ctx) => void ctx.primary('x').handler(async () => ({})),
    });
    expect((await backstop.fallback.fetch('other-product', 'o')).tag).toBe('o');
    const all = await backstop.fallback.fetchAll('other-product');
    expect(all.map((f) => [f.tag, f.source])).toEqual([
      ['o', 'declarative'],
      ['code', 'code'],
    ]);
    expect((await backstop.fallback.fetchAll()).map((f) => f.tag)).toEqual(
      expect.arrayContaining(['pay', 'order', 'o', 'code']),
    );
    await backstop.fallback.delete('other-product', 'o');
    await backstop.fallback.delete('other-product', 'code');
    await expect(backstop.fallback.fetch('other-product', 'o')).rejects.toMatchObject({
      code: ErrorCodes.NOT_FOUND,
      message: "fallback 'o' not found in product 'other-product'",
    });
    await expect(backstop.fallback.delete('other-product', 'o')).rejects.toMatchObject({
      code: ErrorCodes.NOT_FOUND,
    });
  });

  it('shows the seed tracked fields on every option, empty until healthchecks exist', async () => {
    const fetched = await backstop.fallback.fetch('pay');
    expect(fetched.options[0]).toMatchObject({
      provider_status: 'unknown',
      last_available: null,
      last_checked: null,
    });
  });

  it('a second process sees definitions and updates made by the first', async () => {
    const other = testBackstop({ prefix });
    other.handlers.register('a', 'charge', async () => ({ id: 'a' }));
    other.handlers.register('b', 'charge', async () => ({ id: 'b' }));
    try {
      await backstop.fallback.create({
        name: 'Shared',
        tag: 'shared',
        options: [handlerOption('a'), handlerOption('b')],
      });
      expect((await other.fallback.run({ tag: 'shared' })).provider).toBe('a');
      await backstop.fallback.update('shared', { options: [handlerOption('b')] });
      // Other processes learn of a change by pub/sub (within a moment), or after DEFINITION_FRESH_MS at worst.
      await until(async () => (await other.fallback.run({ tag: 'shared' })).provider === 'b', 5_000);
    } finally {
      await other.close();
    }
  });
});

describe('apps', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it('defines, fetches, lists and deletes apps, validating their fields', async () => {
    const app = {
      tag: 'stripe',
      envs: { prd: { baseUrl: 'http://127.0.0.1:1' } },
      actions: { charge: { method: 'post', path: '/v1/charges' } },
    };
    expect((await backstop.app.define(app)).version).toBe(1);
    expect((await backstop.app.define(app)).version).toBe(2);
    expect((await backstop.app.fetch('stripe')).definition.actions.charge?.method).toBe('POST');
    expect((await backstop.app.fetchAll()).map((a) => a.definition.tag)).toEqual(['stripe']);
    await expect(
      backstop.app.define({
        tag: 'bad',
        envs: { prd: { baseUrl: 'ftp://x' } },
        actions: { a: { method: 'GET', path: 'no-slash' } },
      }),
    ).rejects.toMatchObject({
      code: ErrorCodes.VALIDATION,
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'envs.prd.baseUrl' }),
        expect.objectContaining({ path: 'actions.a.path', message: 'expected a path starting with "/"' }),
      ]),
    });
    await backstop.app.delete('stripe');
    await expect(backstop.app.fetch('stripe')).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
  });
});
