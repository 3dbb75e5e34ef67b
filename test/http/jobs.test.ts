import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackstopWorker } from '../../src/queue/backstop-worker.js';
import { pathsOf, useApi } from './api-kit.js';

describe('dispatch, jobs and schedules', () => {
  const api = useApi();
  let worker: BackstopWorker;
  let tag: string;

  beforeAll(async () => {
    const { backstop, chains } = api();
    worker = await backstop.worker({ healthchecks: false, concurrency: 2 });
    const primary = (await chains.provider('primary')).down(503);
    const fallback = await chains.provider('fallback');
    tag = await chains.chain([chains.option(primary), chains.option(fallback)], {
      input: { amount: { type: 'number' } },
    });
  });
  afterAll(() => worker.close());

  it('answers 202 with the job handle, and GET /v1/jobs/:id?wait= shows the result and attempts', async () => {
    const { call } = api();
    const queued = await call('POST', `/v1/fallbacks/${tag}/dispatch`, { input: { amount: 10 } });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ tag, product: 'my-product', env: 'prd', state: 'waiting' });
    expect(queued.headers.location).toBe(`/v1/jobs/${queued.body.id}`);
    const done = await call('GET', `/v1/jobs/${queued.body.id}?wait=10000`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: queued.body.id, state: 'completed', runs: 1 });
    expect(done.body.result.provider).toBe(done.body.provider);
    expect(done.body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failure', 'success']);
    expect((await call('GET', `/v1/jobs/${queued.body.id}`)).body.state).toBe('completed');
  });

  it('shows a failed job with its error code', async () => {
    const { call, chains } = api();
    const down = (await chains.provider('down')).down(500);
    const failing = await chains.chain([chains.option(down)]);
    const queued = await call('POST', `/v1/fallbacks/${failing}/dispatch`, {});
    const view = await call('GET', `/v1/jobs/${queued.body.id}?wait=10000`);
    expect(view.status).toBe(200);
    expect(view.body.state).toBe('failed');
    expect(view.body.error.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
  });

  it('delays a job, answers 504 when waiting for it times out, cancels it, then 404', async () => {
    const { call } = api();
    const later = await call('POST', `/v1/fallbacks/${tag}/dispatch`, {
      input: { amount: 1 },
      schedule: { delay: '1h' },
      jobId: 'order-42',
    });
    expect(later.status).toBe(202);
    expect(later.body).toMatchObject({ id: 'order-42', state: 'delayed' });
    expect(Date.parse(later.body.runAt) - Date.now()).toBeGreaterThan(3_500_000);
    const again = await call('POST', `/v1/fallbacks/${tag}/dispatch`, {
      input: { amount: 1 },
      jobId: 'order-42',
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: 'order-42', existing: true });

    const timedOut = await call('GET', '/v1/jobs/order-42?wait=150');
    expect(timedOut.status).toBe(504);
    expect(timedOut.body.code).toBe('BACKSTOP_WAIT_TIMEOUT');

    const cancelled = await call('DELETE', '/v1/jobs/order-42');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const gone = await call('GET', '/v1/jobs/order-42');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'BACKSTOP_NOT_FOUND', kind: 'job', tag: 'order-42' });
    expect((await call('DELETE', '/v1/jobs/order-42')).status).toBe(404);
  });

  it('answers 409 when cancelling a job that already ran', async () => {
    const { call } = api();
    const queued = await call('POST', `/v1/fallbacks/${tag}/dispatch`, { input: { amount: 2 } });
    await call('GET', `/v1/jobs/${queued.body.id}?wait=10000`);
    const late = await call('DELETE', `/v1/jobs/${queued.body.id}`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('BACKSTOP_CONFLICT');
  });

  it('dispatches at an instant with a zone', async () => {
    const { call } = api();
    const at = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19);
    const reply = await call('POST', `/v1/fallbacks/${tag}/dispatch`, {
      input: { amount: 3 },
      schedule: { at, tz: 'Europe/Berlin' },
    });
    expect(reply.status).toBe(202);
    expect(reply.body.state).toBe('delayed');
    expect((await call('DELETE', `/v1/jobs/${reply.body.id}`)).status).toBe(200);
  });

  it('answers 400 naming the field for a bad dispatch, and queues nothing', async () => {
    const { call } = api();
    const cases: [unknown, string][] = [
      [{ input: { amount: 'x' } }, 'input.amount'],
      [{ input: { amount: 1 }, schedule: { at: '2001-01-01T00:00:00Z' } }, 'schedule.at'],
      [{ input: { amount: 1 }, schedule: { delay: 'soon' } }, 'schedule.delay'],
      [{ input: { amount: 1 }, schedule: { cron: 'every day' } }, 'schedule.cron'],
      [{ input: { amount: 1 }, schedule: { at: '2030-01-01T00:00:00', tz: 'Mars/Olympus' } }, 'schedule.tz'],
      [{ input: { amount: 1 }, schedule: { delay: 1, every: 2 } }, 'schedule'],
      [{ input: { amount: 1 }, schedule: 'tomorrow' }, 'schedule'],
      [{ input: { amount: 1 }, schedule: { when: 1 } }, 'schedule.when'],
      [{ input: { amount: 1 }, jobId: '123' }, 'jobId'],
      [{ input: { amount: 1 }, jobId: 'a:b' }, 'jobId'],
    ];
    for (const [body, path] of cases) {
      const reply = await call('POST', `/v1/fallbacks/${tag}/dispatch`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(pathsOf(reply), JSON.stringify(body)).toEqual([path]);
    }
    const counts = await api().backstop.schedules.list();
    expect(counts).toEqual([]);
  });

  it('schedules recurring runs, lists them and removes them', async () => {
    const { call } = api();
    const every = await call('POST', `/v1/fallbacks/${tag}/dispatch`, {
      input: { amount: 4 },
      schedule: { every: '1h' },
      jobId: 'hourly',
    });
    expect(every.status).toBe(202);
    expect(every.body).toMatchObject({ id: 'hourly', state: 'scheduled', every: 3_600_000 });
    expect(every.headers.location).toBe('/v1/schedules');
    const cron = await call('POST', `/v1/fallbacks/${tag}/dispatch`, {
      input: { amount: 5 },
      schedule: { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' },
      jobId: 'weekdays',
    });
    expect(cron.body).toMatchObject({ id: 'weekdays', cron: '0 9 * * 1-5', tz: 'Europe/Berlin' });
    const listed = await call('GET', '/v1/schedules');
    expect(listed.status).toBe(200);
    expect(listed.body.schedules.map((s: { id: string }) => s.id).sort()).toEqual(['hourly', 'weekdays']);
    expect((await call('DELETE', '/v1/schedules/hourly')).status).toBe(204);
    expect((await call('DELETE', '/v1/schedules/weekdays')).status).toBe(204);
    const gone = await call('DELETE', '/v1/schedules/hourly');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ kind: 'schedule', tag: 'hourly' });
    expect((await call('GET', '/v1/schedules')).body.schedules).toEqual([]);
  });

  it('answers 400 for a bad wait', async () => {
    const { call } = api();
    for (const wait of ['0', 'soon', '600000', '1.5']) {
      const reply = await call('GET', `/v1/jobs/x?wait=${wait}`);
      expect(reply.status, wait).toBe(400);
      expect(pathsOf(reply)).toEqual(['wait']);
    }
  });
});
