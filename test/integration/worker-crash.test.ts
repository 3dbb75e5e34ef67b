import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODE_FIRST_TAG, defineCodeFirstChain } from '../fixtures/code-first-definitions.js';
import { expectFailedForGood } from '../helpers/bullmq-jobs.js';
import { jobLines, jobStalledAtFallback, until, useWorkerKit } from '../helpers/worker-kit.js';

const DEFINITIONS = resolve(import.meta.dirname, '../fixtures/code-first-definitions.ts');

/**
 * Real child worker processes killed with SIGKILL mid-chain, on real Redis, against real HTTP
 * simulators: a re-run resumes where the chain got, with the same idempotency keys.
 */
describe('worker process: crashes and final failures', () => {
  const kit = useWorkerKit();

  it('a worker killed mid-fallback: the re-run resumes at the fallback, never paying the primary again', {
    timeout: 45_000,
  }, async () => {
    const { backstop, start, waitState } = kit();
    // The first fallback call hangs (the worker dies during it); the next one answers.
    const { primary, fallback, worker: workerA, handle } = await jobStalledAtFallback(kit());
    await workerA.kill();
    const killedAt = Date.now();

    // What the dead run persisted before calling the fallback: the primary's failure.
    const interrupted = await backstop.jobs.get(handle.id);
    expect(interrupted.state).toBe('active');
    expect(interrupted.attempts.map((a) => [a.provider, a.outcome])).toEqual([[primary.name, 'failure']]);

    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 20_000);
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(fallback.name);
    expect(view.result).toMatchObject({ provider: fallback.name, id: `${fallback.name}_1` });
    expect(view.runs).toBe(2);

    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(2);
    const [firstKey, secondKey] = fallback.idempotencyKeys;
    expect(firstKey).toBeDefined();
    expect(secondKey).toBe(firstKey);
    expect(fallback.calls[1]!.at).toBeGreaterThanOrEqual(killedAt);

    // The first run's records stay at the head of the attempt record.
    expect(view.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      [primary.name, 'failure'],
      [fallback.name, 'success'],
    ]);
    expect(view.attempts[0]).toEqual(interrupted.attempts[0]);
    expect(view.attempts[0]!.error).toMatchObject({ status: 503 });
    expect(view.attempts[1]!.idempotencyKey).toBe(firstKey);
  });

  it('a worker killed while the primary stalls: the re-run calls the primary again with the same key', {
    timeout: 45_000,
  }, async () => {
    // At-least-once: the primary may have done the work for the lost call. The re-run repeats the
    // call with the same Idempotency-Key, so a provider that honours it does the work only once.
    const { backstop, chains, start, waitState } = kit();
    const primary = (await chains.provider('primary')).next({ kind: 'stall', ms: 20_000 });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([chains.option(primary), chains.option(fallback)]);

    const workerA = await start();
    const handle = await backstop.fallback.dispatch({ tag, input: {}, idempotencyKey: 'order-42' });
    await until(() => primary.calls.length === 1, 15_000, 'the primary to be called');
    await workerA.kill();

    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 20_000);
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(primary.name);
    expect(view.runs).toBe(2);
    expect(primary.calls).toHaveLength(2);
    expect(primary.idempotencyKeys).toEqual([`order-42:${primary.name}`, `order-42:${primary.name}`]);
    expect(fallback.calls).toHaveLength(0);
    // The killed call left no record (the process died during it); the re-run's success is there.
    expect(view.attempts.at(-1)).toMatchObject({
      provider: primary.name,
      outcome: 'success',
      idempotencyKey: `order-42:${primary.name}`,
    });
    expect(view.attempts.every((a) => a.provider === primary.name)).toBe(true);
  });

  it('an exhausted chain fails the job once, with every attempt, and BullMQ does not retry it', {
    timeout: 30_000,
  }, async () => {
    // A code-first chain, defined in the child by BACKSTOP_DEFINITIONS and here for the producer.
    const { prefix, backstop, chains, start, waitState } = kit();
    const primary = (await chains.provider('primary')).down(503);
    const fallback = (await chains.provider('fallback')).down(502);
    await defineCodeFirstChain(backstop, { primary: primary.name, fallback: fallback.name });
    const worker = await start({
      BACKSTOP_DEFINITIONS: DEFINITIONS,
      BT_FIXTURE_PRIMARY_APP: primary.name,
      BT_FIXTURE_FALLBACK_APP: fallback.name,
    });

    const handle = await backstop.fallback.dispatch({ tag: CODE_FIRST_TAG, input: {} });
    const view = await waitState(handle.id, ['completed', 'failed']);
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
    expect(view.runs).toBe(1);
    expect(primary.calls).toHaveLength(3); // retries 2 + 1
    expect(fallback.calls).toHaveLength(2); // retries 1 + 1
    expect(view.attempts.map((a) => `${a.provider}#${a.attempt}:${a.error?.status}`)).toEqual([
      'primary#1:503',
      'primary#2:503',
      'primary#3:503',
      'fallback#1:502',
      'fallback#2:502',
    ]);

    // BullMQ's own retry (attempts: 5, 1 s backoff) would wait in `delayed`; the job is failed for good.
    await expectFailedForGood(prefix, handle.id);
    const later = await backstop.jobs.get(handle.id);
    expect(later.state).toBe('failed');
    expect(later.runs).toBe(1);
    expect(primary.calls).toHaveLength(3);
    expect(fallback.calls).toHaveLength(2);
    expect(worker.logs.some((l) => l.jobId === handle.id && l.code === 'BACKSTOP_FALLBACK_EXHAUSTED')).toBe(
      true,
    );
    expect(await worker.stop()).toBe(0);
  });

  it('job log lines carry job id, tag, product and env; attempt lines add provider and attempt; secrets never show', {
    timeout: 30_000,
  }, async () => {
    const { backstop, chains, start, waitState } = kit();
    const secret = `sk_live_${randomUUID()}`;
    const headers = {
      authorization: 'Bearer $Secret{BT_TEST_API_TOKEN}',
      'x-api-key': '$Secret{BT_TEST_API_TOKEN}',
    };
    const call = { call: { method: 'POST', path: '/call' } };
    const primary = (await chains.provider('primary', call, headers)).down(503);
    const fallback = await chains.provider('fallback', call, headers);
    const tag = await chains.chain([chains.option(primary, { retries: 1 }), chains.option(fallback)]);
    const worker = await start({ BT_TEST_API_TOKEN: secret });

    const handle = await backstop.fallback.dispatch({ tag, input: {} });
    const view = await waitState(handle.id, ['completed', 'failed']);
    expect(view.state).toBe('completed');
    // The child resolved the secret from its environment and sent it.
    expect(fallback.calls[0]!.headers.authorization).toBe(`Bearer ${secret}`);
    expect(fallback.calls[0]!.headers['x-api-key']).toBe(secret);
    await until(
      () => worker.logs.some((l) => l.msg === 'job completed'),
      5_000,
      'the "job completed" log line',
    );
    expect(await worker.stop()).toBe(0);

    const lines = jobLines(worker.logs);
    expect(lines.length).toBeGreaterThanOrEqual(3); // two failed attempts, one completion
    for (const line of lines) {
      expect(line).toMatchObject({ jobId: handle.id, tag, product: 'my-product', env: 'prd' });
    }
    const attemptLines = lines.filter((l) => l.msg === 'attempt failed');
    expect(attemptLines.map((l) => [l.level, l.provider, l.attempt])).toEqual([
      [20, primary.name, 1],
      [20, primary.name, 2],
    ]);
    expect(lines.find((l) => l.msg === 'job completed')).toMatchObject({ provider: fallback.name });

    const everything = worker.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(everything).not.toContain(secret);
    expect(JSON.stringify(await backstop.jobs.get(handle.id))).not.toContain(secret);
  });
});
