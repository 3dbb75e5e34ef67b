import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { type Backstop, InMemoryHealthView } from '../../src/index.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { testBackstop } from '../helpers/redis.js';
import { call, KEYS, READ_KEY, useApi } from './api-kit.js';

/** Every route of the API, as the OpenAPI document must list it. */
const ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  'POST /v1/fallbacks',
  'GET /v1/fallbacks',
  'GET /v1/fallbacks/{tag}',
  'PATCH /v1/fallbacks/{tag}',
  'DELETE /v1/fallbacks/{tag}',
  'POST /v1/fallbacks/{tag}/run',
  'POST /v1/fallbacks/{tag}/dispatch',
  'POST /v1/apps',
  'GET /v1/apps',
  'GET /v1/apps/{tag}',
  'PUT /v1/apps/{tag}',
  'PATCH /v1/apps/{tag}',
  'DELETE /v1/apps/{tag}',
  'POST /v1/healthchecks',
  'GET /v1/healthchecks',
  'GET /v1/healthchecks/{tag}',
  'PATCH /v1/healthchecks/{tag}',
  'DELETE /v1/healthchecks/{tag}',
  'GET /v1/jobs/{id}',
  'DELETE /v1/jobs/{id}',
  'GET /v1/schedules',
  'DELETE /v1/schedules/{id}',
  'GET /v1/health/{tag}',
  'GET /v1/health/{tag}/history',
  'POST /v1/features',
  'GET /v1/features',
  'GET /v1/features/{tag}',
  'PATCH /v1/features/{tag}',
  'DELETE /v1/features/{tag}',
  'POST /v1/features/{tag}/run',
  'POST /v1/features/{tag}/dispatch',
  'PUT /v1/caches/{tag}',
  'GET /v1/caches',
  'DELETE /v1/caches/{tag}',
  'POST /v1/caches/clear',
  'GET /v1/sessions',
  'POST /v1/processor/fallback/run',
  'POST /v1/fallbacks/{tag}/run-batch',
  'POST /v1/fallbacks/{tag}/dispatch-batch',
  'POST /v1/quotas',
  'GET /v1/quotas',
  'GET /v1/quotas/{tag}',
  'PATCH /v1/quotas/{tag}',
  'DELETE /v1/quotas/{tag}',
  'GET /v1/quotas/{tag}/status',
  'POST /v1/quotas/{tag}/run',
  'POST /v1/quotas/{tag}/dispatch',
  'POST /v1/drills',
  'GET /v1/drills',
  'DELETE /v1/drills/{id}',
];

describe('/healthz and /readyz', () => {
  const api = useApi();

  it('/healthz answers 200 without a key', async () => {
    const reply = await api().call('GET', '/healthz', undefined, null);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('/readyz is 503 without a worker, 200 while one is connected, 503 again once it stops', async () => {
    const { call, backstop } = api();
    const before = await call('GET', '/readyz', undefined, null);
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({
      code: 'BACKSTOP_NOT_READY',
      status: 'not ready',
      reasons: ['no fallback worker has beaten within the last 15 s'],
      checks: { redis: { ok: true }, workers: { ok: false, count: 0 } },
    });
    const worker = await backstop.worker({ healthchecks: false });
    try {
      const ready = await call('GET', '/readyz', undefined, null);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', reasons: [], checks: { workers: { ok: true } } });
      expect(ready.body.checks.workers.count).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
    expect((await call('GET', '/readyz', undefined, null)).status).toBe(503);
  });
});

describe('/readyz without Redis', () => {
  let backstop: Backstop;
  let app: FastifyInstance;
  beforeAll(async () => {
    backstop = testBackstop({ redis: 'redis://127.0.0.1:1' });
    app = await buildApp({ backstop, keys: KEYS });
  });
  afterAll(async () => {
    await app.close();
    await backstop.close();
  });

  it('is 503 naming Redis', async () => {
    const reply = await call(app, 'GET', '/readyz', undefined, null);
    expect(reply.status).toBe(503);
    expect(reply.body.checks.redis.ok).toBe(false);
    expect(reply.body.reasons[0]).toMatch(/^Redis is unavailable/);
    const metrics = await call(app, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('backstop_queue_up 0');
  });
});

describe('/metrics', () => {
  const health = new InMemoryHealthView();
  const api = useApi({}, { health });

  it('counts runs, attempts, failovers, skips, latency and queue depths', async () => {
    const { call, chains } = api();
    const down = (await chains.provider('down')).down(503);
    const up = await chains.provider('up');
    const skipped = await chains.provider('skipped');
    health.set({ product: 'my-product', env: 'prd', healthcheck: 'skipped-health' }, 'unhealthy');
    const failover = await chains.chain([
      chains.option(skipped, { healthcheck: 'skipped-health' }),
      chains.option(down, { retries: 1 }),
      chains.option(up),
    ]);
    const exhausted = await chains.chain([chains.option(down)]);
    for (let i = 0; i < 2; i++)
      expect((await call('POST', `/v1/fallbacks/${failover}/run`)).status).toBe(200);
    expect((await call('POST', `/v1/fallbacks/${exhausted}/run`)).status).toBe(502);
    expect(
      (await call('POST', `/v1/fallbacks/${failover}/dispatch`, { schedule: { delay: '1h' } })).status,
    ).toBe(202);
    const reply = await call('GET', '/metrics', undefined, READ_KEY);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    const lines = reply.text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `backstop_runs_total{product="my-product",tag="${failover}",outcome="success",provider="${up.name}"} 2`,
        `backstop_runs_total{product="my-product",tag="${exhausted}",outcome="exhausted",provider="none"} 1`,
        `backstop_run_duration_seconds_count{product="my-product",tag="${failover}",outcome="success"} 2`,
        `backstop_attempts_total{provider="${down.name}",outcome="failure",verdict="retry",code="BACKSTOP_PROVIDER_HTTP"} 5`,
        `backstop_attempts_total{provider="${up.name}",outcome="success",verdict="none",code="none"} 2`,
        `backstop_failovers_total{tag="${failover}",from="${down.name}",to="${up.name}"} 2`,
        `backstop_provider_skips_total{provider="${skipped.name}",reason="unhealthy"} 2`,
        `backstop_attempt_duration_seconds_count{provider="${down.name}",outcome="failure",attempt="1"} 3`,
        `backstop_attempt_duration_seconds_count{provider="${down.name}",outcome="failure",attempt="2"} 2`,
        'backstop_queue_jobs{state="delayed"} 1',
        'backstop_queue_jobs{state="waiting"} 0',
        'backstop_queue_jobs{state="active"} 0',
        'backstop_queue_jobs{state="failed"} 0',
        'backstop_queue_up 1',
      ]),
    );
    expect(lines.some((l) => l.startsWith(`backstop_failovers_total{tag="${exhausted}"`))).toBe(false);
    expect(promtoolCheckMetrics(reply.text)).toBe('');
    expect(skipped.calls).toHaveLength(0);
  });
});

describe('/openapi.json', () => {
  const api = useApi();

  it('lists every route, each registered, with schemas from zod and references that resolve', async () => {
    const { call, app } = api();
    const reply = await call('GET', '/openapi.json', undefined, READ_KEY);
    expect(reply.status).toBe(200);
    const doc = reply.body;
    expect(doc.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual([...ROUTES].sort());
    for (const entry of ROUTES) {
      const [method, path] = entry.split(' ') as [string, string];
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      expect(app.hasRoute({ method: method as 'GET', url }), entry).toBe(true);
    }
    const operationIds = listed.map((entry) => {
      const [method, path] = entry.split(' ') as [string, string];
      return doc.paths[path][method.toLowerCase()].operationId;
    });
    expect(new Set(operationIds).size).toBe(ROUTES.length);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(
      doc.paths['/v1/fallbacks/{tag}/run'].post.responses['502'].content['application/json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/RunError',
    });
    const definition = doc.components.schemas.FallbackDefinition;
    expect(definition.required).toEqual(expect.arrayContaining(['name', 'tag', 'options']));
    expect(definition.properties.options.items.properties.retries).toMatchObject({
      type: 'integer',
      minimum: 0,
    });
    expect(definition.additionalProperties).toBe(false);
    const history = doc.paths['/v1/health/{tag}/history'].get.parameters.map((p: { name: string }) => p.name);
    expect(history).toEqual(['tag', 'provider', 'env', 'product', 'from', 'to']);
    for (const ref of refsIn(doc)) expect(resolve(doc, ref), ref).toBeDefined();
  });
});

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

function resolve(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}
