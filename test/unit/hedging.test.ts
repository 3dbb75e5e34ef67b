import { describe, expect, it } from 'vitest';
import { compileDeclarative, parseDeclarative } from '../../src/core/definition/declarative.js';
import { InMemoryHealthView } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { type EngineDeps, runChain } from '../../src/core/run-chain.js';
import type { TargetContext } from '../../src/core/target.js';
import { ValidationError } from '../../src/core/validation-error.js';
import { TargetRegistry } from '../../src/targets/target-registry.js';
import { chain, provider } from '../helpers/chains.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';

/** A handler provider whose calls answer when the test says, each remembering its context. */
function slowProvider() {
  const calls: { ctx: TargetContext; answer: (v: unknown) => void; fail: (e: unknown) => void }[] = [];
  const fn = (_request: unknown, ctx: TargetContext) =>
    new Promise((answer, fail) => {
      calls.push({ ctx, answer, fail });
    });
  return { fn, calls };
}

function engine() {
  const clock = new FakeClock();
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const deps: EngineDeps = { clock, health: new InMemoryHealthView(), targets, logger: silentLogger };
  return { clock, deps };
}

describe('hedging', () => {
  it('starts a hedged call after the delay, keeps the idempotency key, and cancels the loser through its signal', async () => {
    const { clock, deps } = engine();
    const slow = slowProvider();
    const c = chain([provider('stripe', slow.fn, { hedge: { delay: 200, maxAttempts: 2, safe: true } })]);
    const outcome = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'r', runKey: 'r' });
    await clock.advance(199);
    expect(slow.calls).toHaveLength(1);
    await clock.advance(1);
    expect(slow.calls).toHaveLength(2);
    expect(slow.calls[1]!.ctx.idempotencyKey).toBe(slow.calls[0]!.ctx.idempotencyKey);
    slow.calls[1]!.answer({ id: 'ch_2' });
    const result = await outcome;
    expect(result).toMatchObject({ ok: true, provider: 'stripe', result: { id: 'ch_2' } });
    expect(result.attempts).toMatchObject([{ provider: 'stripe', outcome: 'success', hedged: 1 }]);
    expect(slow.calls[0]!.ctx.signal.aborted).toBe(true);
    expect(slow.calls[1]!.ctx.signal.aborted).toBe(false);
    await clock.advance(1_000);
    expect(slow.calls).toHaveLength(2); // the race is over: no third call
  });

  it('makes no hedged call when the first answers in time, and at most maxAttempts when none does', async () => {
    const { clock, deps } = engine();
    const fast = slowProvider();
    const c = chain([provider('p', fast.fn, { hedge: { delay: 100, maxAttempts: 2, safe: true } })]);
    const first = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'a', runKey: 'a' });
    await clock.advance(50);
    fast.calls[0]!.answer({ ok: 1 });
    expect((await first).attempts[0]!.hedged).toBeUndefined();
    await clock.advance(500);
    expect(fast.calls).toHaveLength(1);

    const hung = slowProvider();
    const c2 = chain([
      provider('p', hung.fn, { hedge: { delay: 100, maxAttempts: 2, safe: true }, timeoutMs: 1_000 }),
    ]);
    const second = runChain(deps, { chain: c2, env: 'prd', input: {}, runId: 'b', runKey: 'b' });
    await clock.advance(900);
    expect(hung.calls).toHaveLength(3); // the first and two hedged ones
    await clock.advance(1_000);
    const outcome = await second;
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts[0]).toMatchObject({
      outcome: 'failure',
      hedged: 2,
      error: { code: 'BACKSTOP_ATTEMPT_TIMEOUT' },
    });
  });

  it('a fast failure is not hedged: it is returned at once for the retry policy to decide', async () => {
    const { clock, deps } = engine();
    const p = slowProvider();
    const c = chain([provider('p', p.fn, { hedge: { delay: 100, maxAttempts: 3, safe: true } })]);
    const run = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'a', runKey: 'a' });
    await settle();
    p.calls[0]!.fail(new Error('boom'));
    const outcome = await run;
    expect(outcome.attempts).toMatchObject([{ outcome: 'failure' }]);
    expect(outcome.attempts[0]!.hedged).toBeUndefined();
    await clock.advance(1_000);
    expect(p.calls).toHaveLength(1);
  });

  it('is refused where a second concurrent call may not be safe, unless the option says it is', () => {
    const definition = (hedge: object, type = 'workflow') =>
      parseDeclarative({ name: 'n', tag: 't', options: [{ type, event: 'wf', hedge }] });
    expect(() => compileDeclarative(definition({ delay: 100 }), 'p', 1)).toThrow(ValidationError);
    expect(() => compileDeclarative(definition({ delay: 100 }), 'p', 1)).toThrow(/options\[0\]\.hedge\.safe/);
    expect(compileDeclarative(definition({ delay: 100, safe: true }), 'p', 1).providers[0]!.hedge).toEqual({
      delay: 100,
      maxAttempts: 1,
      safe: true,
    });
  });
});
