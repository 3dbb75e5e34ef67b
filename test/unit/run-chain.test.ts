import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/event-bus.js';
import { InMemoryHealthView } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { AttemptTimeoutError, ProviderError, ProviderHttpError } from '../../src/core/provider-errors.js';
import { type EngineDeps, type RunRequest, runChain } from '../../src/core/run-chain.js';
import { TargetRegistry } from '../../src/targets/target-registry.js';
import { chain, provider } from '../helpers/chains.js';
import { FakeClock } from '../helpers/fake-clock.js';

function engine(clock = new FakeClock(), health = new InMemoryHealthView()) {
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const events = new EventBus();
  const deps: EngineDeps = { clock, health, targets, logger: silentLogger, events, random: () => 0.5 };
  const run = (c: RunRequest['chain'], extra: Partial<RunRequest> = {}) =>
    runChain(deps, { chain: c, env: 'prd', input: { amount: 1 }, runId: 'run-1', runKey: 'run-1', ...extra });
  return { clock, health, run, events };
}

const ok = (body: unknown) => async () => body;
const fail = (error: unknown) => async () => {
  throw error;
};

describe('runChain', () => {
  it('returns the primary result with the provider name, without calling the fallback', async () => {
    const { run } = engine();
    let fallbackCalls = 0;
    const outcome = await run(
      chain([
        provider('stripe', ok({ id: 'ch_1' })),
        provider('paypal', async () => {
          fallbackCalls++;
          return {};
        }),
      ]),
    );
    expect(outcome).toMatchObject({
      ok: true,
      provider: 'stripe',
      result: { provider: 'stripe', id: 'ch_1' },
    });
    expect(fallbackCalls).toBe(0);
  });

  it('retries a provider retries + 1 times, then fails over', async () => {
    const { run } = engine();
    let calls = 0;
    const outcome = await run(
      chain([
        provider(
          'stripe',
          async () => {
            calls++;
            throw new ProviderHttpError(503, 'down');
          },
          { retries: 2 },
        ),
        provider('paypal', ok({ id: 'pp' })),
      ]),
    );
    expect(calls).toBe(3);
    expect(outcome.ok && outcome.provider).toBe('paypal');
    expect(outcome.attempts.map((a) => [a.provider, a.attempt, a.outcome])).toEqual([
      ['stripe', 1, 'failure'],
      ['stripe', 2, 'failure'],
      ['stripe', 3, 'failure'],
      ['paypal', 1, 'success'],
    ]);
  });

  it('fails over at once on a non-retryable 4xx', async () => {
    const { run } = engine();
    let calls = 0;
    const outcome = await run(
      chain([
        provider(
          'stripe',
          async () => {
            calls++;
            throw new ProviderHttpError(422, 'bad card');
          },
          { retries: 3 },
        ),
        provider('paypal', ok({})),
      ]),
    );
    expect(calls).toBe(1);
    expect(outcome.attempts[0]?.error?.verdict).toBe('failover');
  });

  it('stops the chain on a status the policy says to stop on', async () => {
    const { run } = engine();
    let paypal = 0;
    const outcome = await run(
      chain(
        [
          provider('stripe', fail(new ProviderHttpError(402, 'declined'))),
          provider('paypal', async () => {
            paypal++;
            return {};
          }),
        ],
        { errors: { stopOnStatus: [402] } },
      ),
    );
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.FALLBACK_STOPPED);
    expect(paypal).toBe(0);
  });

  it('skips a provider its healthcheck marks unhealthy, and records the skip', async () => {
    const { run, health } = engine();
    health.set({ product: 'p', env: 'prd', healthcheck: 'stripe-health' }, 'unhealthy');
    let stripe = 0;
    const outcome = await run(
      chain([
        provider(
          'stripe',
          async () => {
            stripe++;
            return {};
          },
          { healthcheck: 'stripe-health' },
        ),
        provider('paypal', ok({ id: 'pp' })),
      ]),
    );
    expect(stripe).toBe(0);
    expect(outcome.attempts[0]).toMatchObject({
      provider: 'stripe',
      attempt: 0,
      outcome: 'skipped',
      skipped: 'unhealthy',
    });
    expect(outcome.ok && outcome.provider).toBe('paypal');
  });

  it('does not skip a provider whose health is unknown or healthy', async () => {
    const { run, health } = engine();
    health.set({ product: 'p', env: 'prd', healthcheck: 'h' }, 'healthy');
    const outcome = await run(
      chain([provider('a', ok({}), { healthcheck: 'h' }), provider('b', ok({}), { healthcheck: 'x' })]),
    );
    expect(outcome.ok && outcome.provider).toBe('a');
  });

  it('returns FallbackExhaustedError with every attempt and each provider last error', async () => {
    const { run } = engine();
    const outcome = await run(
      chain([
        provider('a', fail(new ProviderHttpError(500, 'a down')), { retries: 1 }),
        provider('b', fail(new Error('b broke'))),
      ]),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe(ErrorCodes.FALLBACK_EXHAUSTED);
    expect(outcome.error.attempts).toHaveLength(3);
    expect(outcome.error.providerErrors.a?.status).toBe(500);
    expect(outcome.error.providerErrors.b?.message).toBe('b broke');
    expect(outcome.error.message).toContain('a: HTTP 500: a down');
  });

  it('waits the backoff between retries on the clock, and sets no timer when the delay is 0', async () => {
    const { run, clock } = engine();
    const times: number[] = [];
    const failing = async () => {
      times.push(clock.now());
      throw new ProviderHttpError(503, '');
    };
    const zero = run(chain([provider('a', failing, { retries: 2 })]));
    await clock.advance(0);
    expect(clock.pendingTimers).toBe(0);
    await zero;
    expect(times).toHaveLength(3);
    expect(new Set(times).size).toBe(1);

    times.length = 0;
    const backoff = { type: 'exponential' as const, delay: 100, maxDelay: 150 };
    const pending = run(chain([provider('a', failing, { retries: 2, backoff })]));
    await clock.advance(99);
    expect(times).toHaveLength(1);
    await clock.advance(1);
    expect(times).toHaveLength(2);
    await clock.advance(150);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBe(100);
    expect(times[2]! - times[1]!).toBe(150); // 200, capped at maxDelay
    await pending;
  });

  it('aborts an attempt at its timeout, counts it retryable, and fails over', async () => {
    const { run, clock } = engine();
    const signals: AbortSignal[] = [];
    const stall = (_: unknown, ctx: { signal: AbortSignal }) => {
      signals.push(ctx.signal);
      return new Promise(() => {}); // never settles, and ignores its signal
    };
    const pending = run(
      chain([provider('slow', stall, { timeoutMs: 1_000, retries: 1 }), provider('b', ok({ id: 'b' }))]),
    );
    await clock.advance(1_000);
    await clock.advance(1_000);
    const outcome = await pending;
    expect(outcome.ok && outcome.provider).toBe('b');
    expect(signals.every((s) => s.aborted && s.reason instanceof AttemptTimeoutError)).toBe(true);
    expect(outcome.attempts.slice(0, 2).map((a) => a.error?.code)).toEqual([
      ErrorCodes.ATTEMPT_TIMEOUT,
      ErrorCodes.ATTEMPT_TIMEOUT,
    ]);
  });

  it('ends the run at its deadline, aborting the attempt in flight and calling nobody else', async () => {
    const { run, clock } = engine();
    let later = 0;
    const pending = run(
      chain(
        [
          provider('slow', () => new Promise(() => {}), { timeoutMs: 10_000 }),
          provider('b', async () => {
            later++;
            return {};
          }),
        ],
        { deadlineMs: 500 },
      ),
    );
    await clock.advance(500);
    const outcome = await pending;
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.DEADLINE_EXCEEDED);
    expect(later).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('honours Retry-After when it fits in the deadline', async () => {
    const { run, clock } = engine();
    const times: number[] = [];
    const pending = run(
      chain(
        [
          provider(
            'a',
            async () => {
              times.push(clock.now());
              if (times.length === 1) throw new ProviderHttpError(429, 'slow down', 2_000);
              return { id: 'a' };
            },
            { retries: 1 },
          ),
        ],
        { deadlineMs: 5_000 },
      ),
    );
    await clock.advance(2_000);
    const outcome = await pending;
    expect(outcome.ok).toBe(true);
    expect(times[1]! - times[0]!).toBe(2_000);
  });

  it('fails over at once when Retry-After does not fit in the deadline', async () => {
    const { run, clock } = engine();
    let calls = 0;
    const outcome = await run(
      chain(
        [
          provider(
            'a',
            async () => {
              calls++;
              throw new ProviderHttpError(503, 'maintenance', 60_000);
            },
            { retries: 3 },
          ),
          provider('b', ok({ id: 'b' })),
        ],
        { deadlineMs: 5_000 },
      ),
    );
    expect(calls).toBe(1);
    expect(outcome.ok && outcome.provider).toBe('b');
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails over instead of waiting a backoff that would cross the deadline', async () => {
    const { run, clock } = engine();
    let calls = 0;
    const outcome = await run(
      chain(
        [
          provider(
            'a',
            async () => {
              calls++;
              throw new ProviderHttpError(503, '');
            },
            { retries: 3, backoff: { type: 'fixed', delay: 10_000 } },
          ),
          provider('b', ok({ id: 'b' })),
        ],
        { deadlineMs: 5_000 },
      ),
    );
    expect(calls).toBe(1);
    expect(outcome.ok && outcome.provider).toBe('b');
    expect(clock.pendingTimers).toBe(0);
  });

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
      {
        runKey: 'order-42',
      },
    );
    expect(keys).toEqual(['order-42:a', 'order-42:a', 'order-42:a', 'order-42:b']);
  });

  it('maps input per provider and passes the previous failure as $Fallback', async () => {
    const { run } = engine();
    const seen: unknown[] = [];
    await run(
      chain([
        provider('a', fail(new ProviderHttpError(500, 'boom'))),
        provider(
          'b',
          async (request) => {
            seen.push(request);
            return {};
          },
          {
            mapInput: (input, scope) => ({ input, why: scope.fallback?.error }),
          },
        ),
      ]),
    );
    expect(seen).toEqual([{ input: { amount: 1 }, why: 'HTTP 500: boom' }]);
  });

  it('stops instead of failing over when mapping a successful response throws', async () => {
    const { run } = engine();
    let b = 0;
    const outcome = await run(
      chain([
        provider('a', ok({ id: 'charged' }), {
          mapOutput: () => {
            throw new Error('bad mapping');
          },
        }),
        provider('b', async () => {
          b++;
          return {};
        }),
      ]),
    );
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.MAPPING_FAILED);
    expect(b).toBe(0);
  });

  it('treats a handler ProviderError with retryable: false as failover', async () => {
    const { run } = engine();
    let calls = 0;
    await run(
      chain([
        provider(
          'a',
          async () => {
            calls++;
            throw new ProviderError('no such customer', { retryable: false });
          },
          { retries: 5 },
        ),
        provider('b', ok({})),
      ]),
    );
    expect(calls).toBe(1);
  });

  it('ends with RunAbortedError when the caller aborts', async () => {
    const { run, clock } = engine();
    const controller = new AbortController();
    const pending = run(chain([provider('a', () => new Promise(() => {}))]), { signal: controller.signal });
    await clock.advance(10);
    controller.abort(new Error('user cancelled'));
    const outcome = await pending;
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.ABORTED);
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
    let a = 0;
    const counted = async () => {
      a++;
      return {};
    };
    const outcome = await run(chain([provider('a', counted), provider('b', ok({ id: 'b' }))]), {
      startAt: 1,
    });
    expect(a).toBe(0);
    expect(outcome.ok && outcome.provider).toBe('b');
    expect(seen).toEqual(['b:success']);
  });
});
