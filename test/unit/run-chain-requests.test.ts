import { describe, expect, it } from 'vitest';
import { ProviderHttpError } from '../../src/core/provider-errors.js';
import { chain, provider } from '../helpers/chains.js';
import { counted, engine, fail, ok } from '../helpers/engine.js';

/** What each provider is sent and what a run returns: idempotency keys, mapped input, results, resuming. */
describe('runChain: requests and results', () => {
  it('gives every attempt of one provider the same idempotency key, and each provider its own', async () => {
    const { run } = engine();
    const keys: string[] = [];
    const record = (error?: unknown) => async (_: unknown, ctx: { idempotencyKey: string }) => {
      keys.push(ctx.idempotencyKey);
      if (error) throw error;
      return {};
    };
    await run(
      chain([provider('a', record(new ProviderHttpError(500, '')), { retries: 2 }), provider('b', record())]),
      { runKey: 'order-42' },
    );
    expect(keys).toEqual(['order-42:a', 'order-42:a', 'order-42:a', 'order-42:b']);
  });

  it('maps input per provider and passes the previous failure as $Fallback', async () => {
    const { run } = engine();
    const seen: unknown[] = [];
    const b = async (request: unknown) => {
      seen.push(request);
      return {};
    };
    await run(
      chain([
        provider('a', fail(new ProviderHttpError(500, 'boom'))),
        provider('b', b, { mapInput: (input, scope) => ({ input, why: scope.fallback?.error }) }),
      ]),
    );
    expect(seen).toEqual([{ input: { amount: 1 }, why: 'HTTP 500: boom' }]);
  });

  it('wraps non-object results as { provider, value }', async () => {
    const { run } = engine();
    const outcome = await run(chain([provider('a', ok('sent'))]));
    expect(outcome.ok && outcome.result).toEqual({ provider: 'a', value: 'sent' });
  });

  it('resumes at a later provider and reports each attempt as it is recorded', async () => {
    const { run, events } = engine();
    const seen: string[] = [];
    events.on('attempt.ended', ({ record }) => void seen.push(`${record.provider}:${record.outcome}`));
    const a = counted();
    const outcome = await run(chain([provider('a', a.fn), provider('b', ok({ id: 'b' }))]), { startAt: 1 });
    expect(a.calls).toBe(0);
    expect(outcome.ok && outcome.provider).toBe('b');
    expect(seen).toEqual(['b:success']);
  });
});
