import { describe, expect, it } from 'vitest';
import { FeatureEventTypes } from '../../src/index.js';
import { until } from '../helpers/until.js';
import { pathsOf, READ_KEY, useApi } from './api-kit.js';

describe('features, caches, sessions and the processor over HTTP', () => {
  const api = useApi();

  async function paymentFeature() {
    const { call, chains } = api();
    const pay = await chains.provider('pay');
    const log = await chains.provider('log');
    const fallbackTag = await chains.chain([
      chains.option(pay, { output: { transactionId: '$Response{id}' } }),
    ]);
    const tag = `feature-${fallbackTag}`;
    const created = await call('POST', '/v1/features', {
      tag,
      name: 'Process payment',
      input: { amount: { type: 'number' } },
      events: [
        {
          type: FeatureEventTypes.FALLBACK,
          event: fallbackTag,
          tag: 'payment',
          input: { amount: '$Input{amount}' },
        },
        {
          type: FeatureEventTypes.ACTION,
          event: 'call',
          app: log.name,
          input: { tx: '$Sequence{payment}{transactionId}', amount: '$Input{amount}' },
        },
      ],
    });
    return { created, tag, fallbackTag, pay, log };
  }

  it('creates, fetches, runs and deletes a feature; $Sequence{} carries data between steps', async () => {
    const { call } = api();
    const { created, tag, pay, log } = await paymentFeature();
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/features/${tag}?product=my-product`);
    expect((await call('GET', `/v1/features/${tag}`)).body.definition.events).toHaveLength(2);
    expect(
      (await call('GET', '/v1/features')).body.features.map(
        (f: { definition: { tag: string } }) => f.definition.tag,
      ),
    ).toContain(tag);

    const run = await call('POST', `/v1/features/${tag}/run`, { input: { amount: 7 } });
    expect(run.status).toBe(200);
    expect(run.body.steps.map((s: { step: string; outcome: string }) => [s.step, s.outcome])).toEqual([
      ['payment', 'success'],
      ['call', 'success'],
    ]);
    expect(log.calls[0]!.body).toEqual({ tx: `${pay.name}_1`, amount: 7 });

    const bad = await call('POST', `/v1/features/${tag}/run`, { input: { amount: '7' } });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad)).toEqual(['input.amount']);

    pay.down(503);
    const failed = await call('POST', `/v1/features/${tag}/run`, { input: { amount: 7 } });
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ code: 'BACKSTOP_FEATURE_STEP_FAILED', step: 'payment' });
    expect(log.calls).toHaveLength(1);

    expect((await call('PATCH', `/v1/features/${tag}`, { description: 'x' })).body.version).toBe(2);
    expect((await call('DELETE', `/v1/features/${tag}`)).status).toBe(204);
    expect((await call('GET', `/v1/features/${tag}`)).status).toBe(404);
  });

  it('refuses a $Sequence{} of a step that does not run earlier, naming the field', async () => {
    const { call } = api();
    const reply = await call('POST', '/v1/features', {
      tag: 'bad-feature',
      name: 'bad',
      events: [{ type: 'action', event: 'a', app: 'x', input: { v: '$Sequence{later}{id}' } }],
    });
    expect(reply.status).toBe(400);
    expect(pathsOf(reply)).toEqual(['events[0].input.v']);
  });

  it('dispatches a feature for a worker and shows its steps on the job', async () => {
    const { call, backstop } = api();
    const { tag, log } = await paymentFeature();
    const worker = await backstop.worker({ healthchecks: false });
    try {
      const queued = await call('POST', `/v1/features/${tag}/dispatch`, { input: { amount: 3 } });
      expect(queued.status).toBe(202);
      let job = (await call('GET', `/v1/jobs/${queued.body.id}`)).body;
      await until(async () => {
        job = (await call('GET', `/v1/jobs/${queued.body.id}`)).body;
        return job.state === 'completed';
      });
      expect(job).toMatchObject({ kind: 'feature', state: 'completed' });
      expect(job.steps).toHaveLength(2);
      expect(log.calls.at(-1)!.body).toMatchObject({ amount: 3 });
    } finally {
      await worker.close();
    }
  });

  it('defines, lists, clears and deletes caches; a read key cannot define one', async () => {
    const { call, chains } = api();
    const sim = await chains.provider('c');
    const tag = await chains.chain([chains.option(sim)]);
    expect((await call('PUT', '/v1/caches/quotes', { ttl: 'soon' })).status).toBe(400);
    expect((await call('PUT', '/v1/caches/quotes', { ttl: 60_000 }, READ_KEY)).status).toBe(403);
    expect((await call('PUT', '/v1/caches/quotes', { ttl: 60_000 })).body).toMatchObject({
      tag: 'quotes',
      ttl: 60_000,
    });
    expect((await call('GET', '/v1/caches')).body.caches.map((c: { tag: string }) => c.tag)).toContain(
      'quotes',
    );
    await call('POST', `/v1/fallbacks/${tag}/run`, { cache: 'quotes' });
    expect((await call('POST', '/v1/caches/clear', { tag })).body).toEqual({ deleted: 1 });
    expect((await call('DELETE', '/v1/caches/quotes')).status).toBe(204);
    expect((await call('DELETE', '/v1/caches/quotes')).status).toBe(404);
  });

  it('lists session types without their keys', async () => {
    const { call, backstop } = api();
    await backstop.session.define({ tag: 'listed', secret: 's'.repeat(40) });
    const reply = await call('GET', '/v1/sessions');
    expect(reply.body.sessions).toContainEqual(
      expect.objectContaining({ tag: 'listed', keys: 'secret', algorithms: ['HS256'] }),
    );
    expect(reply.text).not.toContain('s'.repeat(40));
  });

  it('runs the processor API: trigger, update, reset', async () => {
    const { call, chains } = api();
    const a = await chains.provider('a');
    const b = await chains.provider('b');
    const tag = await chains.chain([chains.option(a), chains.option(b)]);
    const base = { env: 'prd', product_tag: 'my-product', fallback_tag: tag };
    const triggered = await call('POST', '/v1/processor/fallback/run', {
      ...base,
      action: 'trigger',
      input: {},
    });
    expect(triggered.body).toMatchObject({ provider: a.name });
    const updated = await call('POST', '/v1/processor/fallback/run', {
      ...base,
      action: 'update',
      input: { providers: { [a.name]: { provider_status: 'unhealthy' } } },
    });
    expect(updated.body.changed).toEqual([`providers.${a.name}.provider_status`]);
    expect(
      (await call('POST', '/v1/processor/fallback/run', { ...base, action: 'trigger' })).body.provider,
    ).toBe(b.name);
    const reset = await call('POST', '/v1/processor/fallback/run', { ...base, action: 'reset' });
    expect(reset.body).toMatchObject({ action: 'reset', providers: [a.name, b.name] });
    expect(
      (await call('POST', '/v1/processor/fallback/run', { ...base, action: 'trigger' })).body.provider,
    ).toBe(a.name);
    const invalid = await call('POST', '/v1/processor/fallback/run', { ...base, action: 'explode' });
    expect(invalid.status).toBe(400);
    expect(pathsOf(invalid)).toEqual(['action']);
  });
});
