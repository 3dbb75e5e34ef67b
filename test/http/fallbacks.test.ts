import { describe, expect, it } from 'vitest';
import { pathsOf, useApi } from './api-kit.js';

const definition = (tag: string, app = 'stripe') => ({
  name: 'Payments',
  tag,
  input: { amount: { type: 'number' } },
  options: [{ type: 'action', app, event: 'charge', input: { amount: '$Input{amount}' }, retries: 1 }],
});

describe('/v1/fallbacks', () => {
  const api = useApi();

  it('creates (201, with Location), and creating the same definition again is a no-op', async () => {
    const { call } = api();
    const created = await call('POST', '/v1/fallbacks', definition('pay-1'));
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/v1/fallbacks/pay-1?product=my-product');
    expect(created.body).toMatchObject({
      product: 'my-product',
      tag: 'pay-1',
      version: 1,
      source: 'declarative',
    });
    expect(created.body.options[0]).toMatchObject({
      provider: 'stripe',
      provider_status: 'unknown',
      retries: 1,
    });
    const again = await call('POST', '/v1/fallbacks', definition('pay-1'));
    expect(again.status).toBe(201);
    expect(again.body.version).toBe(1);
  });

  it('answers 409 for a different definition under a taken tag', async () => {
    const { call } = api();
    await call('POST', '/v1/fallbacks', definition('pay-2'));
    const conflict = await call('POST', '/v1/fallbacks', definition('pay-2', 'paypal'));
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'BACKSTOP_CONFLICT' });
    expect(conflict.body.message).toContain("'pay-2'");
  });

  it('answers 400 naming every bad field, as the library does', async () => {
    const { call } = api();
    const bad = await call('POST', '/v1/fallbacks', {
      name: '',
      tag: 'bad tag',
      retry: 2,
      options: [
        { type: 'action', app: 'stripe', event: 'charge', retries: -1, input: { a: '$Input{amout}' } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('BACKSTOP_VALIDATION');
    expect(pathsOf(bad)).toEqual(expect.arrayContaining(['name', 'tag', 'retry', 'options[0].retries']));
    for (const issue of bad.body.issues) expect(typeof issue.message).toBe('string');
    const template = await call('POST', '/v1/fallbacks', {
      ...definition('pay-t'),
      options: [{ type: 'action', app: 'stripe', event: 'charge', input: { amount: '$Input{amout}' } }],
    });
    expect(template.status).toBe(400);
    expect(pathsOf(template)).toEqual(['options[0].input.amount']);
    expect(template.body.issues[0].message).toContain("'amout'");
  });

  it('takes the product from the query or the body, and refuses the two disagreeing', async () => {
    const { call } = api();
    expect((await call('POST', '/v1/fallbacks?product=shop', definition('pay-3'))).body.product).toBe('shop');
    expect(
      (await call('POST', '/v1/fallbacks', { ...definition('pay-4'), product: 'shop' })).body.product,
    ).toBe('shop');
    const clash = await call('POST', '/v1/fallbacks?product=shop', {
      ...definition('pay-5'),
      product: 'other',
    });
    expect(clash.status).toBe(400);
    expect(pathsOf(clash)).toEqual(['product']);
    const badProduct = await call('POST', '/v1/fallbacks?product=no%20spaces', definition('pay-6'));
    expect(badProduct.status).toBe(400);
    expect(pathsOf(badProduct)).toEqual(['product']);
  });

  it('lists all products or one, and fetches one by tag', async () => {
    const { call } = api();
    await call('POST', '/v1/fallbacks?product=listing', definition('pay-7'));
    const all = await call('GET', '/v1/fallbacks');
    const tags = all.body.fallbacks.map((f: { tag: string }) => f.tag);
    expect(tags).toEqual(expect.arrayContaining(['pay-1', 'pay-7']));
    const one = await call('GET', '/v1/fallbacks?product=listing');
    expect(one.body.fallbacks.map((f: { tag: string }) => f.tag)).toEqual(['pay-7']);
    const fetched = await call('GET', '/v1/fallbacks/pay-7?product=listing');
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ tag: 'pay-7', product: 'listing' });
    expect((await call('GET', '/v1/fallbacks/pay-1')).body.product).toBe('my-product');
  });

  it('answers 404 naming the tag and the product', async () => {
    const { call } = api();
    for (const [method, url] of [
      ['GET', '/v1/fallbacks/nope?product=shop'],
      ['PATCH', '/v1/fallbacks/nope?product=shop'],
      ['DELETE', '/v1/fallbacks/nope?product=shop'],
      ['POST', '/v1/fallbacks/nope/run?product=shop'],
      ['POST', '/v1/fallbacks/nope/dispatch?product=shop'],
    ] as const) {
      const reply = await call(method, url, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(reply.status, url).toBe(404);
      expect(reply.body).toMatchObject({
        code: 'BACKSTOP_NOT_FOUND',
        kind: 'fallback',
        tag: 'nope',
        product: 'shop',
      });
      expect(reply.body.message).toBe("fallback 'nope' not found in product 'shop'");
    }
  });

  it('updates (PATCH replaces top-level fields, bumps the version) and validates the result', async () => {
    const { call } = api();
    await call('POST', '/v1/fallbacks', definition('pay-8'));
    const patched = await call('PATCH', '/v1/fallbacks/pay-8', {
      description: 'card payments',
      deadline: 5000,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'card payments', deadline: 5000, version: 2 });
    const bad = await call('PATCH', '/v1/fallbacks/pay-8', { options: [] });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toEqual(['options']);
    const renamed = await call('PATCH', '/v1/fallbacks/pay-8', { tag: 'other' });
    expect(renamed.status).toBe(400);
    expect(pathsOf(renamed)).toEqual(['tag']);
    for (const body of [undefined, [], '"text"', 'null', '42', 'true']) {
      const reply = await call('PATCH', '/v1/fallbacks/pay-8', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(pathsOf(reply)).toEqual(['']);
    }
  });

  it('deletes (204), then the tag is gone (404)', async () => {
    const { call } = api();
    await call('POST', '/v1/fallbacks', definition('pay-9'));
    expect((await call('DELETE', '/v1/fallbacks/pay-9')).status).toBe(204);
    expect((await call('GET', '/v1/fallbacks/pay-9')).status).toBe(404);
    expect((await call('DELETE', '/v1/fallbacks/pay-9')).status).toBe(404);
  });

  it('refuses a malformed tag in the path and unknown query parameters with 400', async () => {
    const { call } = api();
    const tag = await call('GET', `/v1/fallbacks/${encodeURIComponent('a b')}`);
    expect(tag.status).toBe(400);
    expect(pathsOf(tag)).toEqual(['tag']);
    const typo = await call('GET', '/v1/fallbacks/pay-1?prodcut=shop');
    expect(typo.status).toBe(400);
    expect(typo.body.issues).toEqual([{ path: 'prodcut', message: 'unknown field' }]);
    const twice = await call('GET', '/v1/fallbacks?product=a&product=b');
    expect(twice.status).toBe(400);
    expect(pathsOf(twice)).toEqual(['product']);
  });
});
