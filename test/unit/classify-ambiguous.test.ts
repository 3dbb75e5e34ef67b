import { describe, expect, it } from 'vitest';
import { buildClassifier, defaultClassify } from '../../src/core/classify.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/event-bus.js';
import { type AttemptFailure, toFailure } from '../../src/core/failure.js';
import { InMemoryHealthView } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import {
  AttemptTimeoutError,
  ProviderError,
  ProviderHttpError,
  ProviderNetworkError,
  ResponseTooLargeError,
  TargetUnavailableError,
} from '../../src/core/provider-errors.js';
import { type EngineDeps, runChain } from '../../src/core/run-chain.js';
import type { TargetContext } from '../../src/core/target.js';
import { TargetRegistry } from '../../src/targets/target-registry.js';
import { chain, provider } from '../helpers/chains.js';
import { FakeClock } from '../helpers/fake-clock.js';

const verdictOf = (error: unknown) => defaultClassify(toFailure(error));

describe('classification: refused or ambiguous', () => {
  it('a failure before the request left is a refusal; after it, the provider may have acted', () => {
    expect(verdictOf(new ProviderNetworkError('refused', 'ECONNREFUSED', undefined, false))).toBe('retry');
    expect(verdictOf(new ProviderNetworkError('reset', 'ECONNRESET', undefined, true))).toBe('ambiguous');
    // A network error whose target cannot say when it happened: assume the worst.
    expect(verdictOf(new ProviderNetworkError('reset', 'ECONNRESET'))).toBe('ambiguous');
    expect(verdictOf(new AttemptTimeoutError(300, false))).toBe('retry');
    expect(verdictOf(new AttemptTimeoutError(300, true))).toBe('ambiguous');
    expect(verdictOf(new AttemptTimeoutError(300))).toBe('ambiguous');
  });

  it('an answer is a refusal, except a gateway losing the upstream (502, 504) and an answer marked ambiguous', () => {
    expect(verdictOf(new ProviderHttpError(500, ''))).toBe('retry');
    expect(verdictOf(new ProviderHttpError(503, ''))).toBe('retry');
    expect(verdictOf(new ProviderHttpError(429, ''))).toBe('retry');
    expect(verdictOf(new ProviderHttpError(422, ''))).toBe('failover');
    expect(verdictOf(new ProviderHttpError(502, ''))).toBe('ambiguous');
    expect(verdictOf(new ProviderHttpError(504, ''))).toBe('ambiguous');
    // An idempotency key still being processed (an app's in-progress status).
    expect(verdictOf(new ProviderHttpError(409, '', undefined, { ambiguous: true, keyed: true }))).toBe(
      'ambiguous',
    );
    expect(verdictOf(new ResponseTooLargeError(1024, 200, true))).toBe('ambiguous');
  });

  it("handlers' own errors: a plain error is a retryable refusal; they can say ambiguous or not retryable", () => {
    expect(verdictOf(new Error('boom'))).toBe('retry');
    expect(verdictOf(new ProviderError('maybe', { ambiguous: true }))).toBe('ambiguous');
    expect(verdictOf(new ProviderError('no', { retryable: false }))).toBe('failover');
    expect(verdictOf(new TargetUnavailableError('no app'))).toBe('failover');
  });

  it('the chain policy adds ambiguous and retryable statuses; stop rules come first', () => {
    const classify = buildClassifier({ ambiguousOnStatus: [500], retryOnStatus: [502], stopOnStatus: [504] });
    const http = (status: number): AttemptFailure => toFailure(new ProviderHttpError(status, ''));
    expect(classify(http(500))).toBe('ambiguous');
    expect(classify(http(502))).toBe('retry');
    expect(classify(http(504))).toBe('stop');
    expect(buildClassifier({ classify: () => 'ambiguous' })(http(400))).toBe('ambiguous');
  });
});

/** An engine on the fake clock with handler targets. */
function engine() {
  const clock = new FakeClock();
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const deps: EngineDeps = {
    clock,
    health: new InMemoryHealthView(),
    targets,
    logger: silentLogger,
    events: new EventBus(),
    random: () => 0.5,
  };
  return { clock, deps };
}

/** A target that answers `body` `answerMs` after being called, reporting when its request leaves. */
function answering(clock: FakeClock, answerMs: number, body: unknown, sentAfterMs = 0) {
  return (_request: unknown, ctx: TargetContext) =>
    new Promise((resolve) => {
      ctx.reportDelivery?.('not-sent');
      if (sentAfterMs === 0) ctx.reportDelivery?.('sent');
      else clock.arrive(sentAfterMs, () => ctx.reportDelivery?.('sent'));
      clock.arrive(answerMs, () => resolve(body));
    });
}

describe('attempt timeouts on the fake clock', () => {
  it('a timeout before the request left (still connecting) is a refusal', async () => {
    const { clock, deps } = engine();
    const c = chain([
      provider('stripe', answering(clock, 10_000, {}, 5_000), { timeoutMs: 300 }),
      provider('paypal', async () => ({ id: 'pp' })),
    ]);
    const running = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'r', runKey: 'r' });
    await clock.advance(400);
    const outcome = await running;
    expect(outcome.attempts[0]?.error).toMatchObject({ code: ErrorCodes.ATTEMPT_TIMEOUT, verdict: 'retry' });
    expect(outcome.ok && outcome.provider).toBe('paypal');
  });

  it('a timeout after the request left is ambiguous', async () => {
    const { clock, deps } = engine();
    const c = chain([
      provider('stripe', answering(clock, 10_000, {}), { timeoutMs: 300 }),
      provider('paypal', async () => ({ id: 'pp' })),
    ]);
    const running = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'r', runKey: 'r' });
    await clock.advance(400);
    const outcome = await running;
    expect(outcome.attempts[0]?.error).toMatchObject({ verdict: 'ambiguous' });
  });

  it('an answer that arrived while the event loop was busy wins over the timeout that fires late', async () => {
    const { clock, deps } = engine();
    const c = chain([provider('stripe', answering(clock, 100, { id: 'ch_1' }), { timeoutMs: 300 })]);
    const running = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'r', runKey: 'r' });
    await clock.advance(0);
    clock.block(500); // the answer arrives at 100 ms, but the loop only turns at 500 ms: the timer runs first
    await clock.advance(0);
    const outcome = await running;
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts.map((a) => a.outcome)).toEqual(['success']);
  });

  it('a timeout that fires late records how late', async () => {
    const { clock, deps } = engine();
    const c = chain([provider('stripe', answering(clock, 10_000, {}), { timeoutMs: 300 })]);
    const running = runChain(deps, { chain: c, env: 'prd', input: {}, runId: 'r', runKey: 'r' });
    await clock.advance(0);
    clock.block(750);
    await clock.advance(0);
    const outcome = await running;
    expect(outcome.attempts[0]?.error).toMatchObject({
      code: ErrorCodes.ATTEMPT_TIMEOUT,
      verdict: 'ambiguous',
      lagMs: 450,
    });
  });
});
