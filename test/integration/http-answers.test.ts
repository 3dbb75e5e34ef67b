import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import type { Backstop } from '../../src/index.js';
import { httpChains, rejection } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';

/** What a provider answers, read with limits: oversized bodies, bodies that are not JSON. */
describe('HTTP answers: bounded, and JSON that is not', () => {
  let backstop: Backstop;
  let chains: ReturnType<typeof httpChains>;
  beforeAll(() => {
    backstop = testBackstop();
    chains = httpChains(() => backstop);
  });
  afterEach(() => chains.closeAll());
  afterAll(() => backstop.close());

  it('a 2xx answer over maxResponseBytes fails the attempt with its own code, and is not kept', async () => {
    const big = JSON.stringify({ id: 'x', pad: 'a'.repeat(64 * 1024) });
    const primary = await chains.provider('big', {
      call: { method: 'POST', path: '/call', maxResponseBytes: 4096 },
    });
    primary.always({ kind: 'raw', body: big });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([chains.option(primary), chains.option(fallback)], {
      onAmbiguous: 'stop',
    });
    const error = (await rejection(backstop.fallback.run({ tag, input: {} }))) as {
      code: string;
      attempts: { error?: { code: string; verdict: string; message: string } }[];
    };
    // The provider acted (2xx) but its answer cannot be read: ambiguous, so 'stop' stops.
    expect(error.code).toBe(ErrorCodes.FALLBACK_AMBIGUOUS);
    expect(error.attempts[0]?.error).toMatchObject({
      code: ErrorCodes.RESPONSE_TOO_LARGE,
      verdict: 'ambiguous',
    });
    expect(JSON.stringify(error).length).toBeLessThan(4096);
    expect(fallback.calls).toHaveLength(0);
  });

  it('the limit defaults to 1 MiB, and an error page of any size only feeds its excerpt', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const primary = (await chains.provider('huge-error')).always({
      kind: 'raw',
      status: 500,
      body: huge,
      contentType: 'text/html',
    });
    const second = (await chains.provider('huge-ok')).always({ kind: 'raw', body: `{"pad":"${huge}"}` });
    const third = await chains.provider('ok');
    const tag = await chains.chain([chains.option(primary), chains.option(second), chains.option(third)]);
    const report = await backstop.fallback.runDetailed({ tag, input: {} });
    expect(report.provider).toBe(third.name);
    expect(report.attempts[0]?.error?.message.length).toBeLessThan(300);
    expect(report.attempts[1]?.error).toMatchObject({ code: ErrorCodes.RESPONSE_TOO_LARGE });
    expect(report.attempts[1]?.error?.message).toContain('1048576');
  });

  it('a 2xx whose body is not valid JSON succeeds with a warning that keeps the start of the text', async () => {
    const primary = (await chains.provider('garbled')).always({
      kind: 'raw',
      body: '{"id": "ch_1", "status": ',
    });
    const tag = await chains.chain([chains.option(primary, { output: { transactionId: '$Response{id}' } })]);
    const report = await backstop.fallback.runDetailed({ tag, input: {} });
    expect(report.result).toEqual({ provider: primary.name, transactionId: undefined });
    expect(report.attempts[0]?.warnings).toEqual([
      expect.objectContaining({ code: ErrorCodes.INVALID_JSON, raw: '{"id": "ch_1", "status": ' }),
    ]);
  });

  it('with strictOutput, the same answer is a failed mapping: no success without a transaction id', async () => {
    const primary = (await chains.provider('garbled')).always({ kind: 'raw', body: '{"id": "ch_1", ' });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain(
      [chains.option(primary, { output: { transactionId: '$Response{id}' } }), chains.option(fallback)],
      { strictOutput: true },
    );
    const error = (await rejection(backstop.fallback.run({ tag, input: {} }))) as {
      code: string;
      message: string;
      attempts: { warnings?: unknown[] }[];
    };
    expect(error.code).toBe(ErrorCodes.MAPPING_FAILED);
    expect(error.message).toContain('output.transactionId');
    expect(error.attempts[0]?.warnings).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
  });
});
