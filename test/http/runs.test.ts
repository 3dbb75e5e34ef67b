import { describe, expect, it } from 'vitest';
import { pathsOf, useApi } from './api-kit.js';

describe('POST /v1/fallbacks/:tag/run', () => {
  const api = useApi();

  it('answers 200 with the result, the provider that served, every attempt and the run id', async () => {
    const { call, chains } = api();
    const stripe = (await chains.provider('stripe')).down(503);
    const paypal = await chains.provider('paypal');
    const tag = await chains.chain([chains.option(stripe, { retries: 1 }), chains.option(paypal)], {
      input: { amount: { type: 'number' } },
    });
    const reply = await call('POST', `/v1/fallbacks/${tag}/run`, {
      input: { amount: 2500 },
      idempotencyKey: 'order-1',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result).toEqual({ provider: paypal.name, id: `${paypal.name}_1`, status: 'succeeded' });
    expect(reply.body.provider).toBe(paypal.name);
    expect(typeof reply.body.runId).toBe('string');
    expect(
      reply.body.attempts.map((a: { provider: string; outcome: string }) => [a.provider, a.outcome]),
    ).toEqual([
      [stripe.name, 'failure'],
      [stripe.name, 'failure'],
      [paypal.name, 'success'],
    ]);
    expect(reply.body.attempts[0].error).toMatchObject({
      code: 'BACKSTOP_PROVIDER_HTTP',
      status: 503,
      verdict: 'retry',
    });
    expect(paypal.idempotencyKeys).toEqual([`order-1:${paypal.name}`]);
    expect(paypal.calls[0]!.body).toEqual({ amount: 2500 });
  });

  it('runs with no body at all', async () => {
    const { app, chains } = api();
    const tag = await chains.chain([chains.option(await chains.provider('ok'))]);
    const response = await app.inject({
      method: 'POST',
      url: `/v1/fallbacks/${tag}/run`,
      headers: { authorization: 'Bearer w-0123456789abcdef', 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('answers 502 BACKSTOP_FALLBACK_EXHAUSTED with every attempt when every provider fails', async () => {
    const { call, chains } = api();
    const a = (await chains.provider('a')).down(500);
    const b = (await chains.provider('b')).down(503);
    const tag = await chains.chain([chains.option(a), chains.option(b)]);
    const reply = await call('POST', `/v1/fallbacks/${tag}/run`, {});
    expect(reply.status).toBe(502);
    expect(reply.body).toMatchObject({ code: 'BACKSTOP_FALLBACK_EXHAUSTED', tag });
    expect(reply.body.attempts).toHaveLength(2);
    expect(Object.keys(reply.body.providerErrors)).toEqual([a.name, b.name]);
    expect(reply.body.providerErrors[b.name]).toMatchObject({ code: 'BACKSTOP_PROVIDER_HTTP', status: 503 });
    expect(typeof reply.body.runId).toBe('string');
  });

  it('answers 502 BACKSTOP_FALLBACK_STOPPED when a failure stops the chain', async () => {
    const { call, chains } = api();
    const declined = (await chains.provider('declined')).down(402);
    const never = await chains.provider('never');
    const tag = await chains.chain([chains.option(declined), chains.option(never)], {
      errors: { stopOnStatus: [402] },
    });
    const reply = await call('POST', `/v1/fallbacks/${tag}/run`, {});
    expect(reply.status).toBe(502);
    expect(reply.body.code).toBe('BACKSTOP_FALLBACK_STOPPED');
    expect(never.calls).toHaveLength(0);
  });

  it('answers 502 BACKSTOP_DEADLINE_EXCEEDED when the deadline passes', async () => {
    const { call, chains } = api();
    const slow = (await chains.provider('slow')).always({ kind: 'stall', ms: 2_000 });
    const tag = await chains.chain([chains.option(slow)], { deadline: 100 });
    const reply = await call('POST', `/v1/fallbacks/${tag}/run`, {});
    expect(reply.status).toBe(502);
    expect(reply.body.code).toBe('BACKSTOP_DEADLINE_EXCEEDED');
  });

  it('answers 400 naming the field for bad run parameters, before any provider is called', async () => {
    const { call, chains } = api();
    const sim = await chains.provider('strict');
    const tag = await chains.chain([chains.option(sim)], { input: { amount: { type: 'number' } } });
    const cases: [unknown, string[]][] = [
      [{ input: { amount: 'lots' } }, ['input.amount']],
      [{ input: {} }, ['input.amount']],
      [{ input: 'x' }, ['input']],
      [{ input: { amount: 1 }, tga: 1 }, ['tga']],
      [{ input: { amount: 1 }, env: 'no spaces' }, ['env']],
      [{ input: { amount: 1 }, tag: 'other' }, ['tag']],
      [{ input: { amount: 1 }, signal: {} }, ['signal']],
      [{ input: { amount: 1 }, runId: '' }, ['runId']],
      [[], ['']],
    ];
    for (const [body, paths] of cases) {
      const reply = await call('POST', `/v1/fallbacks/${tag}/run`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.code).toBe('BACKSTOP_VALIDATION');
      expect(pathsOf(reply), JSON.stringify(body)).toEqual(paths);
    }
    expect(sim.calls).toHaveLength(0);
  });

  it('verifies a session (401 for a refused token, nothing called) and serves a cache', async () => {
    const { call, chains, backstop } = api();
    const sim = await chains.provider('s');
    const tag = await chains.chain([chains.option(sim, { input: { user: '$Session{sub}' } })]);
    await backstop.session.define({ tag: 'user', secret: 'k'.repeat(32) });
    const token = await backstop.session.sign({ tag: 'user', claims: { sub: 'u-1' } });

    const unknown = await call('POST', `/v1/fallbacks/${tag}/run`, { session: { tag: 'nope', token } });
    expect(unknown.status).toBe(400);
    expect(pathsOf(unknown)).toEqual(['session.tag']);
    const refused = await call('POST', `/v1/fallbacks/${tag}/run`, {
      session: { tag: 'user', token: `${token}x` },
    });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      code: 'BACKSTOP_SESSION_INVALID',
      session: 'user',
      reason: 'signature',
    });
    expect(refused.headers['www-authenticate']).toContain('Bearer');
    expect(refused.text).not.toContain(token);
    expect(sim.calls).toHaveLength(0);

    const noCache = await call('POST', `/v1/fallbacks/${tag}/run`, {
      session: { tag: 'user', token },
      cache: 'c',
    });
    expect(noCache.status).toBe(400);
    expect(pathsOf(noCache)).toEqual(['cache']);
    expect((await call('PUT', '/v1/caches/c', { ttl: '1m' })).status).toBe(200);
    const first = await call('POST', `/v1/fallbacks/${tag}/run`, {
      session: { tag: 'user', token },
      cache: 'c',
    });
    const second = await call('POST', `/v1/fallbacks/${tag}/run`, {
      session: { tag: 'user', token },
      cache: 'c',
    });
    expect(first.body.cache).toEqual({ tag: 'c', hit: false });
    expect(second.body.cache).toMatchObject({ tag: 'c', hit: true, runId: first.body.runId });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1' }]);
    expect((await call('POST', `/v1/fallbacks/${tag}/run`, { session: {}, cache: '' })).status).toBe(200);
  });
});
