import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import { pathsOf, useApi } from './api-kit.js';

describe('/v1/health', () => {
  const api = useApi();

  it('shows a healthcheck’s provider state in an env', async () => {
    const { call } = api();
    await call('POST', '/v1/healthchecks', {
      name: 'Ledger',
      tag: 'ledger-health',
      url: 'http://127.0.0.1:9/ping',
      interval: 60_000,
      envs: [{ slug: 'prd' }],
    });
    const status = await call('GET', '/v1/health/ledger-health?env=prd');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      product: 'my-product',
      env: 'prd',
      healthcheck: 'ledger-health',
      provider_status: 'unknown',
      last_available: null,
      last_checked: null,
      circuit: { state: 'closed' },
    });
    expect((await call('GET', '/v1/health/ledger-health')).body.env).toBe('prd');
    const bad = await call('GET', '/v1/health/ledger-health?env=a%20b&product=');
    expect(bad.status).toBe(400);
    expect(pathsOf(bad).sort()).toEqual(['env', 'product']);
  });

  it('answers a provider’s history in one-minute buckets, after live runs', async () => {
    const { call, chains } = api();
    const sim = await chains.provider('hist');
    const tag = await chains.chain([chains.option(sim)]);
    for (let i = 0; i < 3; i++) expect((await call('POST', `/v1/fallbacks/${tag}/run`)).status).toBe(200);
    let buckets: { success: number }[] = [];
    await until(async () => {
      const reply = await call('GET', `/v1/health/${sim.name}/history?env=prd`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ provider: sim.name, product: 'my-product', env: 'prd' });
      buckets = reply.body.buckets;
      return buckets.reduce((n, b) => n + b.success, 0) === 3;
    });
    const from = Date.now() - 600_000;
    const byQuery = await call(
      'GET',
      `/v1/health/anything/history?provider=${sim.name}&from=${from}&to=${new Date().toISOString()}`,
    );
    expect(byQuery.body.provider).toBe(sim.name);
    expect(byQuery.body.buckets.length).toBeGreaterThan(0);
    const empty = await call(
      'GET',
      `/v1/health/${sim.name}/history?from=2001-01-01T00:00:00Z&to=2001-01-01T00:10:00Z`,
    );
    expect(empty.body.buckets).toEqual([]);
  });

  it('answers 400 naming from/to when they are not dates', async () => {
    const { call } = api();
    const from = await call('GET', '/v1/health/x/history?from=yesterday');
    expect(from.status).toBe(400);
    expect(pathsOf(from)).toEqual(['from']);
    const to = await call('GET', '/v1/health/x/history?to=');
    expect(to.status).toBe(400);
    expect(pathsOf(to)).toEqual(['to']);
  });
});
