import { describe, expect, it } from 'vitest';
import type { BackoffSpec } from '../../src/core/backoff.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { AttemptTimeoutError, ProviderHttpError } from '../../src/core/provider-errors.js';
import { chain, provider } from '../helpers/chains.js';
import { counted, engine, fail, ok } from '../helpers/engine.js';

/** Time in a run, on the fake clock: backoff, attempt timeouts, the run's deadline, Retry-After, abort. */
describe('runChain: waits, timeouts and deadlines', () => {
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
    const b = counted();
    const pending = run(
      chain([provider('slow', () => new Promise(() => {}), { timeoutMs: 10_000 }), provider('b', b.fn)], {
        deadlineMs: 500,
      }),
    );
    await clock.advance(500);
    const outcome = await pending;
    expect(!outcome.ok && outcome.error.code).toBe(ErrorCodes.DEADLINE_EXCEEDED);
    expect(b.calls).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('honours Retry-After when it fits in the deadline', async () => {
    const { run, clock } = engine();
    const times: number[] = [];
    const limited = async () => {
      times.push(clock.now());
      if (times.length === 1) throw new ProviderHttpError(429, 'slow down', 2_000);
      return { id: 'a' };
    };
    const pending = run(chain([provider('a', limited, { retries: 1 })], { deadlineMs: 5_000 }));
    await clock.advance(2_000);
    const outcome = await pending;
    expect(outcome.ok).toBe(true);
    expect(times[1]! - times[0]!).toBe(2_000);
  });

  it.each<{ what: string; error: ProviderHttpError; backoff?: BackoffSpec }>([
    {
      what: 'Retry-After does not fit in the deadline',
      error: new ProviderHttpError(503, 'maintenance', 60_000),
    },
    {
      what: 'the backoff would cross the deadline',
      error: new ProviderHttpError(503, ''),
      backoff: { type: 'fixed', delay: 10_000 },
    },
  ])('fails over at once instead of waiting when $what', async ({ error, backoff }) => {
    const { run, clock } = engine();
    const a = counted(fail(error));
    const outcome = await run(
      chain(
        [
          provider('a', a.fn, { retries: 3, ...(backoff ? { backoff } : {}) }),
          provider('b', ok({ id: 'b' })),
        ],
        {
          deadlineMs: 5_000,
        },
      ),
    );
    expect(a.calls).toBe(1);
    expect(outcome.ok && outcome.provider).toBe('b');
    expect(clock.pendingTimers).toBe(0);
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
});
