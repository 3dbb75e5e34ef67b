import { describe, expect, it } from 'vitest';
import { ErrorCodes, FallbackExhaustedError, FallbackStoppedError } from '../../src/index.js';
import { rejection, useHttpChains } from '../helpers/http-chains.js';

// How failures of real HTTP providers are classified (retry, fail over, stop), and the idempotency
// keys providers see across retries, providers and runs.

describe('HTTP providers: failure classification and idempotency keys', () => {
  const { backstop, provider, option, chain } = useHttpChains();

  it('retries a connection reset after the request was written as ambiguous, then fails over (onAmbiguous: failover)', async () => {
    const primary = (await provider('reset')).always({ kind: 'reset' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 2 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(fallback.name);
    expect(primary.calls).toHaveLength(3);
    const errors = report.attempts.filter((a) => a.provider === primary.name).map((a) => a.error);
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'BACKSTOP_PROVIDER_NETWORK', verdict: 'ambiguous' });
    }
  });

  it('recovers on the same provider when a reset is followed by a success', async () => {
    const primary = (await provider('flaky')).next({ kind: 'reset' });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 1 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(primary.name);
    expect(primary.calls).toHaveLength(2);
    expect(fallback.calls).toHaveLength(0);
    expect(report.attempts[0]!.error?.code).toBe(ErrorCodes.PROVIDER_NETWORK);
  });

  it.each([500, 502, 503, 504, 408, 429])('retries HTTP %i, then fails over', async (status) => {
    const primary = (await provider(`s${status}`)).always({ kind: 'fail', status });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 2 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(fallback.name);
    expect(primary.calls).toHaveLength(3);
    expect(fallback.calls).toHaveLength(1);
    const primaryAttempts = report.attempts.filter((a) => a.provider === primary.name);
    // A gateway's 502 or 504 may hide a call that went through: ambiguous, retried all the same.
    const verdict = status === 502 || status === 504 ? 'ambiguous' : 'retry';
    expect(primaryAttempts.map((a) => a.error?.verdict)).toEqual([verdict, verdict, verdict]);
    expect(primaryAttempts[0]!.error).toMatchObject({ code: ErrorCodes.PROVIDER_HTTP, status });
  });

  it.each([400, 402, 404, 422])('skips the remaining retries on HTTP %i and fails over', async (status) => {
    const primary = (await provider(`s${status}`)).always({ kind: 'fail', status });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 3 }), option(fallback)]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(fallback.name);
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(1);
    expect(report.attempts[0]!.error).toMatchObject({
      code: ErrorCodes.PROVIDER_HTTP,
      status,
      verdict: 'failover',
    });
  });

  it('ends the chain on a status listed in errors.stopOnStatus; the next provider sees no call', async () => {
    const primary = (await provider('declined')).always({
      kind: 'fail',
      status: 402,
      body: { error: 'card_declined' },
    });
    const fallback = await provider('ok');
    const tag = await chain([option(primary, { retries: 2 }), option(fallback)], {
      errors: { stopOnStatus: [402] },
    });

    const error = await rejection(backstop().fallback.run({ tag, input: {} }));

    expect(error).toBeInstanceOf(FallbackStoppedError);
    expect(error).toMatchObject({ code: 'BACKSTOP_FALLBACK_STOPPED', provider: primary.name, tag });
    expect((error as Error).message).toContain('card_declined');
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
    const { attempts } = error as FallbackStoppedError;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.error).toMatchObject({ status: 402, verdict: 'stop' });
  });

  it('reports the status and a body excerpt of every failed provider when all fail', async () => {
    const primary = (await provider('down')).down(503);
    const secondary = (await provider('broken')).always({
      kind: 'fail',
      status: 500,
      body: 'x'.repeat(5_000),
    });
    const tag = await chain([option(primary), option(secondary)]);

    const error = await rejection(backstop().fallback.run({ tag, input: {} }));

    expect(error).toBeInstanceOf(FallbackExhaustedError);
    const exhausted = error as FallbackExhaustedError;
    expect(exhausted.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    const first = exhausted.providerErrors[primary.name]!;
    expect(first).toMatchObject({ code: ErrorCodes.PROVIDER_HTTP, status: 503 });
    expect(first.message).toContain('503');
    expect(first.message).toContain(`${primary.name} is down`);
    expect(exhausted.attempts[0]!.error?.message).toBe(first.message);
    const second = exhausted.providerErrors[secondary.name]!;
    expect(second.message).toContain('500');
    expect(second.message).toContain('xxxx');
    expect(second.message.length).toBeLessThan(1_000); // an excerpt, not the whole body
    expect(exhausted.message).toContain(primary.name);
    expect(exhausted.message).toContain(secondary.name);
  });

  it('sends one Idempotency-Key per run and provider, the same on every retry', async () => {
    const primary = (await provider('down')).down(503);
    const secondary = (await provider('flaky')).next({ kind: 'fail', status: 500 });
    const tag = await chain([option(primary, { retries: 2 }), option(secondary, { retries: 1 })]);

    const report = await backstop().fallback.runDetailed({ tag, input: {} });

    expect(report.provider).toBe(secondary.name);
    expect(primary.idempotencyKeys).toHaveLength(3);
    expect(secondary.idempotencyKeys).toHaveLength(2);
    const [primaryKey] = primary.idempotencyKeys;
    const [secondaryKey] = secondary.idempotencyKeys;
    expect(primaryKey).toEqual(expect.any(String));
    expect(secondaryKey).toEqual(expect.any(String));
    expect(new Set(primary.idempotencyKeys)).toEqual(new Set([primaryKey]));
    expect(new Set(secondary.idempotencyKeys)).toEqual(new Set([secondaryKey]));
    expect(secondaryKey).not.toBe(primaryKey);
    // The attempt records name the key each provider saw.
    expect(report.attempts.map((a) => a.idempotencyKey)).toEqual([
      ...primary.idempotencyKeys,
      ...secondary.idempotencyKeys,
    ]);
  });

  it('sends different keys for two runs, and the same keys for two runs given one idempotencyKey', async () => {
    const primary = (await provider('down')).down(503);
    const secondary = await provider('ok');
    const tag = await chain([option(primary, { retries: 1 }), option(secondary)]);

    await backstop().fallback.run({ tag, input: {} });
    await backstop().fallback.run({ tag, input: {} });
    expect(primary.idempotencyKeys).toHaveLength(4);
    expect(primary.idempotencyKeys[0]).toBe(primary.idempotencyKeys[1]);
    expect(primary.idempotencyKeys[2]).toBe(primary.idempotencyKeys[3]);
    expect(primary.idempotencyKeys[2]).not.toBe(primary.idempotencyKeys[0]);
    expect(secondary.idempotencyKeys[1]).not.toBe(secondary.idempotencyKeys[0]);

    primary.reset();
    secondary.reset();
    await backstop().fallback.run({ tag, input: {}, idempotencyKey: 'order-42' });
    await backstop().fallback.run({ tag, input: {}, idempotencyKey: 'order-42' });
    expect(new Set(primary.idempotencyKeys).size).toBe(1);
    expect(primary.idempotencyKeys).toHaveLength(4);
    expect(secondary.idempotencyKeys).toHaveLength(2);
    expect(secondary.idempotencyKeys[1]).toBe(secondary.idempotencyKeys[0]);
    expect(secondary.idempotencyKeys[0]).not.toBe(primary.idempotencyKeys[0]);
  });
});
