import { describe, expect, it } from 'vitest';
import { seeded } from '../helpers/idempotent-provider.js';
import { pathsOf, useApi } from './api-kit.js';

/** In-process handlers as providers: the HTTP layer is what is under test here. */
const definition = (tag: string) => ({
  name: 'Messages',
  tag,
  options: [
    { type: 'action', app: 'big', event: 'send', quota: 3 },
    { type: 'action', app: 'small', event: 'send', weight: 1 },
    { type: 'action', app: 'old', event: 'send', quota: 0 },
  ],
});

describe('/v1/quotas', () => {
  const api = useApi({}, { random: seeded(23) });

  it('creates, fetches, runs, dispatches, reports status, updates and deletes', async () => {
    const { call, backstop } = api();
    for (const app of ['big', 'small', 'old'])
      backstop.handlers.register(app, 'send', async () => ({ id: `${app}-1` }));
    const created = await call('POST', '/v1/quotas', definition('msg-1'));
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/v1/quotas/msg-1?product=my-product');
    expect(created.body.options.map((o: { quota?: number; weight?: number }) => o.quota ?? o.weight)).toEqual(
      [3, 1, 0],
    );
    expect((await call('GET', '/v1/quotas')).body.quotas.map((q: { tag: string }) => q.tag)).toContain(
      'msg-1',
    );
    expect((await call('GET', '/v1/quotas/msg-1?product=my-product')).body.tag).toBe('msg-1');

    const served: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const run = await call('POST', '/v1/quotas/msg-1/run', { input: {} });
      expect(run.status).toBe(200);
      served[run.body.provider] = (served[run.body.provider] ?? 0) + 1;
    }
    expect(served.old).toBeUndefined();
    const dispatched = await call('POST', '/v1/quotas/msg-1/dispatch', { input: {} });
    expect(dispatched.status).toBe(202);
    expect(dispatched.headers.location).toBe(`/v1/jobs/${dispatched.body.id}`);

    const status = await call('GET', '/v1/quotas/msg-1/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ tag: 'msg-1', product: 'my-product', env: 'prd' });
    expect(status.body.providers).toEqual([
      expect.objectContaining({ name: 'big', weight: 3, expected: 0.75, uses: served.big }),
      expect.objectContaining({ name: 'small', weight: 1, expected: 0.25, uses: served.small }),
      expect.objectContaining({ name: 'old', weight: 0, uses: 0, status: 'drained' }),
    ]);

    const patched = await call('PATCH', '/v1/quotas/msg-1', {
      options: definition('msg-1').options.map((o) => ({ ...o, quota: undefined, weight: 1 })),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);
    expect((await call('DELETE', '/v1/quotas/msg-1')).status).toBe(204);
    expect((await call('GET', '/v1/quotas/msg-1')).status).toBe(404);
  });

  it('answers 400 naming the bad weight, and 404 for the status of an unknown quota', async () => {
    const { call } = api();
    const bad = await call('POST', '/v1/quotas', {
      ...definition('msg-bad'),
      options: [{ type: 'action', app: 'big', event: 'send', quota: -5 }],
    });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toContain('options[0].quota');
    const missing = await call('GET', '/v1/quotas/nope/status');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain("quota 'nope'");
  });

  it('is in the OpenAPI document', async () => {
    const { call } = api();
    const doc = await call('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/quotas',
        '/v1/quotas/{tag}',
        '/v1/quotas/{tag}/status',
        '/v1/quotas/{tag}/run',
      ]),
    );
    expect(doc.body.components.schemas.QuotaDefinition).toBeDefined();
    expect(doc.body.components.schemas.QuotaStatus).toBeDefined();
  });
});

describe('/v1/fallbacks/:tag/run-batch and dispatch-batch', () => {
  const api = useApi();

  it('runs items tier by tier and queues a batch job', async () => {
    const { call, backstop } = api();
    backstop.handlers.register('first', 'go', async (request: { n: number }) => {
      if (request.n % 2 === 0) throw new Error('even refused');
      return { id: `first-${request.n}` };
    });
    backstop.handlers.register('second', 'go', async (request: { n: number }) => ({
      id: `second-${request.n}`,
    }));
    await call('POST', '/v1/fallbacks', {
      name: 'Go',
      tag: 'go-batch',
      input: { n: { type: 'number' } },
      options: [
        { type: 'action', app: 'first', event: 'go' },
        { type: 'action', app: 'second', event: 'go' },
      ],
    });
    const ran = await call('POST', '/v1/fallbacks/go-batch/run-batch', {
      items: [{ n: 1 }, { n: 2 }, { n: 3 }],
    });
    expect(ran.status).toBe(200);
    expect(ran.body.items.map((i: { provider: string }) => i.provider)).toEqual(['first', 'second', 'first']);
    const queued = await call('POST', '/v1/fallbacks/go-batch/dispatch-batch', { items: [{ n: 4 }] });
    expect(queued.status).toBe(202);
    expect(queued.headers.location).toBe(`/v1/jobs/${queued.body.id}`);
    const bad = await call('POST', '/v1/fallbacks/go-batch/run-batch', { items: [{ n: 'x' }] });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toContain('items[0].n');
  });
});
