import { describe, expect, it } from 'vitest';
import { pathsOf, useApi } from './api-kit.js';

describe('/v1/drills', () => {
  const api = useApi();

  it('starts a drill that fails a chain over, lists it, and cancels it', async () => {
    const { call, backstop } = api();
    backstop.handlers.register('primary', 'go', async () => ({ id: 'p' }));
    backstop.handlers.register('backup', 'go', async () => ({ id: 'b' }));
    await call('POST', '/v1/fallbacks', {
      name: 'Go',
      tag: 'go',
      options: [
        { type: 'action', app: 'primary', event: 'go' },
        { type: 'action', app: 'backup', event: 'go' },
      ],
    });
    const started = await call('POST', '/v1/drills', {
      provider: 'primary',
      mode: 'down',
      duration: 600_000,
    });
    expect(started.status).toBe(201);
    expect(started.headers.location).toBe(`/v1/drills/${started.body.id}`);
    expect(started.body).toMatchObject({
      provider: 'primary',
      mode: 'down',
      env: 'prd',
      product: 'my-product',
    });
    expect(started.body.endsAt - started.body.startedAt).toBe(600_000);

    const listed = await call('GET', '/v1/drills');
    expect(listed.body.drills.map((d: { id: string }) => d.id)).toEqual([started.body.id]);
    const run = await call('POST', '/v1/fallbacks/go/run', { input: {} });
    expect(run.body.provider).toBe('backup');
    expect(run.body.attempts[0]).toMatchObject({ provider: 'primary', drill: true });
    // Metrics tell drilled attempts from outages.
    const metrics = await call('GET', '/metrics');
    expect(metrics.text).toContain('backstop_drill_attempts_total{provider="primary",outcome="failure"} 1');

    expect((await call('DELETE', `/v1/drills/${started.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/drills/${started.body.id}`)).status).toBe(404);
    expect((await call('GET', '/v1/drills')).body.drills).toEqual([]);
    expect((await call('POST', '/v1/fallbacks/go/run', { input: {} })).body.provider).toBe('primary');
  });

  it('answers 400 naming the missing setting', async () => {
    const { call } = api();
    const bad = await call('POST', '/v1/drills', { provider: 'primary', mode: 'error-rate', duration: 1000 });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toContain('rate');
  });
});
