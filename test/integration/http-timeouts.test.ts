import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, ErrorCodes, RunAbortedError } from '../../src/index.js';
import { rejection, useHttpChains } from '../helpers/http-chains.js';
import { until } from '../helpers/until.js';

// Time limits, deadlines and Retry-After against real loopback providers. Every timing assertion is a
// lower bound: the machine may be slow, never fast.

describe('HTTP providers: timeouts, deadlines, Retry-After and cancel', () => {
  const { backstop, provider, option, chain } = useHttpChains();

  it('aborts a stalled provider after the option timeout, retries it, then fails over', async () => {
    const primary = (await provider('stall')).always({ kind: 'stall' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { timeout: 150, retries: 1 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: { amount: 1 } });

    expect(report.provider).toBe(fallback.name);
    expect(report.result).toMatchObject({ provider: fallback.name, id: `${fallback.name}_1` });
    expect(primary.calls).toHaveLength(2);
    expect(fallback.calls).toHaveLength(1);
    expect(
      report.attempts.map((a) => [a.provider, a.attempt, a.outcome, a.error?.code, a.error?.verdict]),
    ).toEqual([
      [primary.name, 1, 'failure', ErrorCodes.ATTEMPT_TIMEOUT, 'ambiguous'],
      [primary.name, 2, 'failure', ErrorCodes.ATTEMPT_TIMEOUT, 'ambiguous'],
      [fallback.name, 1, 'success', undefined, undefined],
    ]);
    expect(report.attempts[0]!.error?.code).toBe('BACKSTOP_ATTEMPT_TIMEOUT');
    expect(report.attempts[0]!.durationMs).toBeGreaterThanOrEqual(140);
  });

  it('aborts a provider that would answer late, after the timeout', async () => {
    const primary = (await provider('late')).always({ kind: 'stall', ms: 2_000 });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { timeout: 100 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(fallback.name);
    expect(report.attempts[0]!.error).toMatchObject({
      code: ErrorCodes.ATTEMPT_TIMEOUT,
      verdict: 'ambiguous',
    });
  });

  it('applies the app action timeout when the option sets none', async () => {
    const primary = (
      await provider('slow-action', { call: { method: 'POST', path: '/call', timeout: 150 } })
    ).always({ kind: 'stall' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 1 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(fallback.name);
    expect(primary.calls).toHaveLength(2);
    const primaryErrors = report.attempts.filter((a) => a.provider === primary.name).map((a) => a.error);
    expect(primaryErrors).toEqual([
      expect.objectContaining({ code: ErrorCodes.ATTEMPT_TIMEOUT, verdict: 'ambiguous' }),
      expect.objectContaining({ code: ErrorCodes.ATTEMPT_TIMEOUT, verdict: 'ambiguous' }),
    ]);
    expect(report.attempts[0]!.durationMs).toBeGreaterThanOrEqual(140);
  });

  it('ends the run at the chain deadline while a provider stalls; later providers are not called', async () => {
    const primary = (await provider('stall')).always({ kind: 'stall' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 2 }), option(fallback)], { deadline: 250 });

    const started = Date.now();
    const error = await rejection(backstop().fallback.run({ tag, input: {} }));

    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ code: 'BACKSTOP_DEADLINE_EXCEEDED', deadlineMs: 250, tag });
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
    const { attempts } = error as DeadlineExceededError;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ provider: primary.name, outcome: 'failure' });
    expect(attempts[0]!.error?.code).toBe(ErrorCodes.DEADLINE_EXCEEDED);
  });

  it('ends the run at the deadline when it passes during timed-out retries', async () => {
    const primary = (await provider('stall')).always({ kind: 'stall' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { timeout: 100, retries: 20 }), option(fallback)], {
      deadline: 350,
    });

    const error = await rejection(backstop().fallback.run({ tag, input: {} }));

    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(primary.calls.length).toBeGreaterThanOrEqual(2);
    expect(fallback.calls).toHaveLength(0);
  });

  it('honours Retry-After when it fits in the deadline', async () => {
    const primary = (await provider('limited')).next({ kind: 'fail', status: 429, retryAfter: '1' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 1 }), option(fallback)], { deadline: 10_000 });

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(primary.name);
    expect(primary.calls).toHaveLength(2);
    expect(fallback.calls).toHaveLength(0);
    expect(primary.calls[1]!.at - primary.calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(report.attempts[0]!.error).toMatchObject({ status: 429, verdict: 'retry' });
  });

  it('fails over at once when Retry-After is longer than the time left before the deadline', async () => {
    const primary = (await provider('limited')).always({ kind: 'fail', status: 429, retryAfter: '1' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 2 }), option(fallback)], { deadline: 500 });

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(fallback.name);
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(1);
  });

  it('aborts a stalled run when the caller aborts its signal', async () => {
    const primary = (await provider('stall')).always({ kind: 'stall' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 2 }), option(fallback)]);
    const controller = new AbortController();
    // Abort once the stalled call has reached the provider: the run is waiting on it.
    void until(() => primary.calls.length === 1, 5_000, 'the stalled call').then(() => controller.abort());

    const error = await rejection(backstop().fallback.run({ tag, input: {}, signal: controller.signal }));

    expect(error).toBeInstanceOf(RunAbortedError);
    expect(error).toMatchObject({ code: 'BACKSTOP_ABORTED', tag });
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
  });

  it('calls no provider when the signal is already aborted', async () => {
    const primary = await provider('ok');
    const tag = await chain([option(primary)]);

    const error = await rejection(backstop().fallback.run({ tag, input: {}, signal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(RunAbortedError);
    expect((error as RunAbortedError).attempts).toHaveLength(0);
    expect(primary.calls).toHaveLength(0);
  });
});
