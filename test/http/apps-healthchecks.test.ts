import { describe, expect, it } from 'vitest';
import { pathsOf, useApi } from './api-kit.js';

const app = (tag: string, baseUrl = 'https://api.stripe.com') => ({
  tag,
  envs: { prd: { baseUrl, headers: { authorization: 'Bearer $Secret{STRIPE_KEY}' } } },
  actions: { charge: { method: 'post', path: '/v1/charges' } },
});

const healthcheck = (tag: string, interval = 60_000) => ({
  name: 'Stripe Health',
  tag,
  url: 'http://127.0.0.1:9/ping',
  interval,
  retries: 2,
  envs: [{ slug: 'prd' }],
});

describe('/v1/apps', () => {
  // The apps below read $Secret{STRIPE_KEY}: a name this server declares.
  const api = useApi({}, { secrets: { STRIPE_KEY: 'sk_test_apps_healthchecks' } });

  it('creates (201), is a no-op for the same app (200), a conflict for a different one (409)', async () => {
    const { call } = api();
    const created = await call('POST', '/v1/apps', app('stripe'));
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/v1/apps/stripe');
    expect(created.body).toMatchObject({ version: 1, definition: { tag: 'stripe' } });
    expect(created.body.definition.actions.charge.method).toBe('POST');
    expect((await call('POST', '/v1/apps', app('stripe'))).status).toBe(200);
    const conflict = await call('POST', '/v1/apps', app('stripe', 'https://other.example'));
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('BACKSTOP_CONFLICT');
  });

  it('defines with PUT (201 then 200), fetches, lists, patches and deletes', async () => {
    const { call } = api();
    expect((await call('PUT', '/v1/apps/paypal', app('paypal'))).status).toBe(201);
    const replaced = await call('PUT', '/v1/apps/paypal', app('paypal', 'https://api.paypal.com'));
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBe(2);
    expect((await call('GET', '/v1/apps/paypal')).body.definition.envs.prd.baseUrl).toBe(
      'https://api.paypal.com',
    );
    const { tag: _t, ...withoutTag } = app('square');
    expect((await call('PUT', '/v1/apps/square', withoutTag)).status).toBe(201);
    const tags = (await call('GET', '/v1/apps')).body.apps.map(
      (a: { definition: { tag: string } }) => a.definition.tag,
    );
    expect(tags).toEqual(expect.arrayContaining(['paypal', 'square']));
    const patched = await call('PATCH', '/v1/apps/paypal', { name: 'PayPal' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 3, definition: { name: 'PayPal', tag: 'paypal' } });
    expect((await call('DELETE', '/v1/apps/paypal')).status).toBe(204);
    const gone = await call('GET', '/v1/apps/paypal');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'BACKSTOP_NOT_FOUND', kind: 'app', tag: 'paypal' });
    expect((await call('PATCH', '/v1/apps/paypal', { name: 'x' })).status).toBe(404);
    expect((await call('DELETE', '/v1/apps/paypal')).status).toBe(404);
  });

  it('answers 400 with field paths for bad apps and a tag that disagrees with the path', async () => {
    const { call } = api();
    const bad = await call('POST', '/v1/apps', {
      tag: 'x',
      envs: { prd: { baseUrl: 'ftp://nope' } },
      actions: { go: { method: 'FETCH', path: 'no-slash' } },
    });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toEqual(
      expect.arrayContaining(['envs.prd.baseUrl', 'actions.go.method', 'actions.go.path']),
    );
    const clash = await call('PUT', '/v1/apps/one', app('two'));
    expect(clash.status).toBe(400);
    expect(pathsOf(clash)).toEqual(['tag']);
    const patch = await call('PUT', '/v1/apps/stripe', { ...app('stripe'), envs: {} });
    expect(patch.status).toBe(400);
    expect(pathsOf(patch)).toEqual(['envs']);
  });
});

describe('/v1/healthchecks', () => {
  const api = useApi();

  it('creates (201), lists, fetches, patches and deletes, per product', async () => {
    const { call } = api();
    const created = await call('POST', '/v1/healthchecks', healthcheck('stripe-health'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tag: 'stripe-health',
      product: 'my-product',
      version: 1,
      method: 'GET',
    });
    expect((await call('POST', '/v1/healthchecks', healthcheck('stripe-health'))).status).toBe(201);
    const conflict = await call('POST', '/v1/healthchecks', healthcheck('stripe-health', 30_000));
    expect(conflict.status).toBe(409);
    expect((await call('POST', '/v1/healthchecks?product=shop', healthcheck('shop-health'))).status).toBe(
      201,
    );

    // Without ?product every product's healthchecks are listed, as GET /v1/fallbacks does.
    const all = await call('GET', '/v1/healthchecks');
    expect(all.body.healthchecks.map((h: { tag: string }) => h.tag).sort()).toEqual([
      'shop-health',
      'stripe-health',
    ]);
    const mine = await call('GET', '/v1/healthchecks?product=my-product');
    expect(mine.body.healthchecks.map((h: { tag: string }) => h.tag)).toEqual(['stripe-health']);
    const shop = await call('GET', '/v1/healthchecks?product=shop');
    expect(shop.body.healthchecks.map((h: { tag: string }) => h.tag)).toEqual(['shop-health']);
    expect((await call('GET', '/v1/healthchecks/shop-health?product=shop')).body.product).toBe('shop');

    const patched = await call('PATCH', '/v1/healthchecks/stripe-health', { interval: 30_000 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ interval: 30_000, version: 2 });
    const bad = await call('PATCH', '/v1/healthchecks/stripe-health', { interval: 5, retries: 'x' });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toEqual(expect.arrayContaining(['interval', 'retries']));

    expect((await call('DELETE', '/v1/healthchecks/stripe-health')).status).toBe(204);
    const gone = await call('GET', '/v1/healthchecks/stripe-health');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ kind: 'healthcheck', tag: 'stripe-health', product: 'my-product' });
    expect(gone.body.message).toBe("healthcheck 'stripe-health' not found in product 'my-product'");
  });

  it('answers 400 naming the fields of a bad healthcheck', async () => {
    const { call } = api();
    const bad = await call('POST', '/v1/healthchecks', {
      name: 'x',
      tag: 'x',
      url: 'not a url',
      app: 'stripe',
      interval: 10,
      envs: [],
    });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toEqual(expect.arrayContaining(['url', 'interval', 'envs']));
  });
});
