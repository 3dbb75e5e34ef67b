import { createServer } from 'node:net';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import type { Backstop, FallbackOption } from '../../src/index.js';
import { sendHttp } from '../../src/targets/http-transport.js';
import { httpChains, NO_BACKOFF, rejection } from '../helpers/http-chains.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';

/**
 * Whether a failed HTTP call had reached the provider, against real loopback servers that refuse,
 * reset, hang and answer: what makes a failure a refusal (fail over freely) or ambiguous.
 */
describe('HTTP delivery: refused or ambiguous', () => {
  let backstop: Backstop;
  let chains: ReturnType<typeof httpChains>;
  beforeAll(() => {
    backstop = testBackstop();
    chains = httpChains(() => backstop);
  });
  afterEach(() => chains.closeAll());
  afterAll(() => backstop.close());

  const stop = (sim: ProviderSimulator, extra: Partial<FallbackOption> = {}) =>
    chains.option(sim, { retries: 1, ...extra });

  it('a refused connection never reached the provider: a refusal, so even onAmbiguous stop fails over', async () => {
    const closed = await closedPort();
    await backstop.app.define({
      tag: 'gone-app',
      envs: { prd: { baseUrl: `http://127.0.0.1:${closed}` } },
      actions: { call: { method: 'POST', path: '/call' } },
    });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain(
      [
        { type: 'action', app: 'gone-app', event: 'call', retries: 1, backoff: NO_BACKOFF },
        chains.option(fallback),
      ],
      { onAmbiguous: 'stop' },
    );
    const report = await backstop.fallback.runDetailed({ tag, input: {} });
    expect(report.provider).toBe(fallback.name);
    expect(report.attempts.slice(0, 2).map((a) => [a.error?.code, a.error?.verdict])).toEqual([
      [ErrorCodes.PROVIDER_NETWORK, 'retry'],
      [ErrorCodes.PROVIDER_NETWORK, 'retry'],
    ]);
  });

  it('a reset after the request was written is ambiguous: onAmbiguous stop names the provider and key', async () => {
    const primary = (await chains.provider('primary')).always({ kind: 'reset' });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([stop(primary), chains.option(fallback)], { onAmbiguous: 'stop' });
    const error = (await rejection(backstop.fallback.run({ tag, input: {}, idempotencyKey: 'order-9' }))) as {
      code: string;
      provider: string;
      idempotencyKey: string;
      attempts: { error?: { verdict: string } }[];
    };
    expect(error).toMatchObject({
      code: ErrorCodes.FALLBACK_AMBIGUOUS,
      provider: primary.name,
      idempotencyKey: `order-9:${primary.name}`,
    });
    expect(error.attempts.map((a) => a.error?.verdict)).toEqual(['ambiguous', 'ambiguous']);
    expect(primary.idempotencyKeys).toEqual([`order-9:${primary.name}`, `order-9:${primary.name}`]);
    expect(fallback.calls).toHaveLength(0);
  });

  it('a provider that hangs past the timeout after taking the request is ambiguous', async () => {
    const primary = (await chains.provider('primary')).always({ kind: 'stall' });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([stop(primary, { timeout: 150, retries: 0 }), chains.option(fallback)], {
      onAmbiguous: 'stop',
    });
    const error = (await rejection(backstop.fallback.run({ tag, input: {} }))) as { code: string };
    expect(error.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
    expect(fallback.calls).toHaveLength(0);
  });

  it('a request still waiting for a connection when it is aborted never left', async () => {
    const sim = (await ProviderSimulator.start('one-lane')).always({ kind: 'stall' });
    const agent = new Agent({ connections: 1, pipelining: 1 });
    const sentFlags: boolean[] = [false, false];
    const send = (i: number, signal: AbortSignal) =>
      sendHttp(
        new URL(`${sim.url}/call`),
        {
          method: 'POST',
          headers: {},
          body: '{}',
          signal,
          maxBytes: 1024,
          maxErrorBytes: 1024,
          onSent: () => {
            sentFlags[i] = true;
          },
        },
        agent,
      );
    const first = new AbortController();
    const second = new AbortController();
    const calls = [send(0, first.signal).catch((e) => e), send(1, second.signal).catch((e) => e)];
    await until(() => sim.calls.length === 1);
    second.abort(new Error('timed out'));
    first.abort(new Error('timed out'));
    await Promise.all(calls);
    expect(sentFlags).toEqual([true, false]);
    await agent.close();
    await sim.close();
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((done) => setTimeout(done, 10));
}
