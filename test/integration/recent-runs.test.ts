import { afterAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { useEveryProcess } from '../helpers/every-process-kit.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { call } from '../http/api-kit.js';

/**
 * The runs view's store, written from every process: a chain (a provider that answers 503, then
 * one that works) run by the library, over HTTP, and as jobs run by a worker child process; each
 * run is listed once, newest first, with its kind, serving provider, attempts and timeline.
 */
describe('recent runs from every process', () => {
  const kit = useEveryProcess({ library: { recentRuns: { max: 5 } } });
  const { prefix, chains } = kit;
  const keys = new Keys(prefix);
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('lists library, HTTP and worker runs with who served and how', { timeout: 60_000 }, async () => {
    const [api, library, app] = [kit.api(), kit.library(), kit.app()];
    const down = (await chains.provider('down')).down(503);
    const up = await chains.provider('up');
    const tag = await chains.chain([chains.option(down), chains.option(up)]);

    const sync = await library.fallback.runDetailed({ tag, input: { orderId: 'order-secret-42' } });
    expect((await call(app, 'POST', `/v1/fallbacks/${tag}/run`, { input: {} })).status).toBe(200);
    const reply = await call(app, 'POST', `/v1/fallbacks/${tag}/dispatch`, { input: {} });
    const jobId: string = reply.body.id;
    expect((await api.jobs.wait(jobId, { timeout: 15_000 })).state).toBe('completed');

    await until(
      async () => (await api.recentRuns.list({ product: 'my-product' })).length === 3,
      15_000,
      '3 runs',
    );
    const runs = await api.recentRuns.list({ product: 'my-product' });
    expect(runs.map((r) => r.kind).sort()).toEqual(['job', 'sync', 'sync']);
    for (const run of runs) {
      expect(run).toMatchObject({ tag, env: 'prd', outcome: 'success', provider: up.name, attempts: 2 });
      expect(run.timeline).toEqual([
        expect.objectContaining({ provider: down.name, attempt: 1, outcome: 'failure', verdict: 'retry' }),
        expect.objectContaining({ provider: up.name, attempt: 1, outcome: 'success' }),
      ]);
      expect(run.timeline[0]).toMatchObject({ code: 'BACKSTOP_PROVIDER_HTTP', status: 503 });
    }
    const job = runs.find((r) => r.kind === 'job')!;
    expect(job).toMatchObject({ jobId, runId: jobId });
    expect(job.lateMs).toBeGreaterThanOrEqual(0);
    expect(runs.find((r) => r.runId === sync.runId)?.kind).toBe('sync');
    // Newest first, and never an input, a result or an error message.
    expect(runs.map((r) => r.at)).toEqual([...runs.map((r) => r.at)].sort((a, b) => b - a));
    const stored = (await redis.lrange(keys.recentRuns('my-product'), 0, -1)).join('\n');
    expect(stored).not.toContain('order-secret-42');
    expect(stored).not.toMatch(/message|input|result/);

    // Search by job id, run id or provider.
    expect((await api.recentRuns.list({ product: 'my-product', search: jobId })).map((r) => r.jobId)).toEqual(
      [jobId],
    );
    expect(await api.recentRuns.list({ product: 'my-product', search: 'no-such-run' })).toEqual([]);
    // By idempotency key: the one a dispatch named, each provider saw as `<key>:<provider>`.
    const keyed = await api.fallback.dispatch({ tag, input: {}, idempotencyKey: 'order-7-charge' });
    expect((await api.jobs.wait(keyed.id, { timeout: 15_000 })).state).toBe('completed');
    await until(
      async () =>
        (await api.recentRuns.list({ product: 'my-product', search: 'order-7-charge' })).length === 1,
      15_000,
      'the keyed job to be listed',
    );
    const [found] = await api.recentRuns.list({ product: 'my-product', search: 'ORDER-7-charge' });
    expect(found).toMatchObject({ jobId: keyed.id, idempotencyKey: 'order-7-charge' });
    expect(runs.find((r) => r.runId === sync.runId)?.idempotencyKey).toBe(sync.runId);
    expect(await api.recentRuns.products()).toContain('my-product');
  });

  it('keeps the list capped and within its window', async () => {
    const [api, library] = [kit.api(), kit.library()];
    const up = await chains.provider('capped');
    const tag = await chains.chain([chains.option(up)]);
    // This library process caps the list at 5 on its writes.
    for (let i = 0; i < 7; i++) await library.fallback.run({ tag, input: {} });
    await library.recentRuns.stop(); // writes what is waiting
    expect(await redis.llen(keys.recentRuns('my-product'))).toBe(5);
    const ttl = await redis.pttl(keys.recentRuns('my-product'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
    // A run older than the window is not shown, even while the list still holds it.
    const old = {
      runId: 'old-run',
      kind: 'sync',
      product: 'my-product',
      env: 'prd',
      tag,
      outcome: 'success',
      attempts: 1,
      durationMs: 1,
      at: Date.now() - 86_400_001,
      timeline: [],
    };
    await redis.rpush(keys.recentRuns('my-product'), JSON.stringify(old));
    const listed = await api.recentRuns.list({ product: 'my-product', limit: 1_000 });
    expect(listed.map((r) => r.runId)).not.toContain('old-run');
    expect(listed).toHaveLength(5);
  });

  it('opens no Redis connection for it: in-process chains without Redis keep no runs', async () => {
    const other = uniquePrefix();
    const local = testBackstop({ prefix: other });
    local.handlers.register('local', 'go', async () => ({ ok: true }));
    await local.fallback.define({
      tag: 'in-process',
      name: 'In process',
      handler: (ctx) => {
        ctx.primary('local').app('local').action('go');
      },
    });
    await local.fallback.run({ tag: 'in-process' });
    await local.recentRuns.stop();
    expect(await redis.exists(new Keys(other).recentRuns('my-product'))).toBe(0);
    await local.close();
  });

  it('refuses bad limits, naming the field', () => {
    expect(() => testBackstop({ prefix, recentRuns: { max: -1 } })).toThrow(
      expect.objectContaining({
        code: 'BACKSTOP_VALIDATION',
        message: expect.stringContaining('recentRuns.max'),
      }),
    );
    expect(() => testBackstop({ prefix, recentRuns: { windowMs: 0 } })).toThrow(/recentRuns\.windowMs/);
  });
});
