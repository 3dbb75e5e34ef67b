import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Backstop, DataTypes, type FeatureEvent, FeatureEventTypes } from '../../src/index.js';
import { NO_BACKOFF } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { sleep } from '../helpers/until.js';
import { until, useWorkerKit, type WorkerKit } from '../helpers/worker-kit.js';

const FEATURE = 'resume-me';
const ORDER = 'order-77';

interface ThreeSteps {
  a: ProviderSimulator;
  b: ProviderSimulator;
  c: ProviderSimulator;
}

/**
 * A stored feature of three ACTION steps on three simulators: step-a → step-b → step-c. A answers
 * a fresh token on every call, so a re-run that called A again would carry a different one; B
 * receives A's token, C receives B's id.
 */
async function threeStepFeature(
  { backstop, chains }: WorkerKit,
  extra: Partial<FeatureEvent> = {},
): Promise<ThreeSteps> {
  const a = (await chains.provider('a')).always({ kind: 'ok', body: () => ({ token: randomUUID() }) });
  const b = await chains.provider('b');
  const c = await chains.provider('c');
  const step = (sim: ProviderSimulator, name: string, input: Record<string, string>): FeatureEvent => ({
    type: FeatureEventTypes.ACTION,
    app: sim.name,
    event: 'call',
    tag: name,
    input,
    retries: 0,
    backoff: NO_BACKOFF,
    ...extra,
  });
  await backstop.features.create({
    tag: FEATURE,
    name: 'Three steps',
    events: [
      step(a, 'step-a', { order: '$Input{order}' }),
      step(b, 'step-b', { token: '$Sequence{step-a}{token}' }),
      step(c, 'step-c', { id: '$Sequence{step-b}{id}' }),
    ],
    input: { order: { type: DataTypes.STRING } },
  });
  return { a, b, c };
}

function dispatch(backstop: Backstop) {
  return backstop.features.dispatch({ tag: FEATURE, input: { order: ORDER }, idempotencyKey: ORDER });
}

/**
 * Dispatched features resume: each completed step is recorded on the job; a re-run after a crash or
 * a shutdown reuses those outputs (their providers are not called again) and repeats the step it
 * had reached with the same idempotency key. Real child workers, real Redis, real HTTP simulators.
 */
describe('dispatched features: resuming after a crash or a shutdown', () => {
  const kit = useWorkerKit();

  it('a worker killed during step B: the re-run reuses A’s recorded output, repeats B with the same key, then runs C', {
    timeout: 45_000,
  }, async () => {
    const k = kit();
    const { backstop, start, waitState } = k;
    const { a, b, c } = await threeStepFeature(k);
    b.next({ kind: 'stall' }); // the first call to B never answers; later ones do

    const workerA = await start();
    const handle = await dispatch(backstop);
    await until(() => b.calls.length === 1, 15_000, 'step B to be called');
    await workerA.kill();

    // What the dead run recorded before calling B: step A, with its output.
    const interrupted = await backstop.jobs.get(handle.id);
    expect(interrupted).toMatchObject({ kind: 'feature', state: 'active', runs: 1 });
    const tokenA = (interrupted.steps?.[0]?.output as { token?: string } | undefined)?.token;
    expect(interrupted.steps?.map((s) => [s.step, s.outcome, s.provider])).toEqual([
      ['step-a', 'success', a.name],
    ]);
    expect(tokenA).toEqual(expect.any(String));
    expect(b.calls[0]!.body).toEqual({ token: tokenA });

    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 20_000);
    expect(view.state).toBe('completed');
    expect(view.kind).toBe('feature');
    expect(view.runs).toBeGreaterThanOrEqual(2);
    expect(view.steps?.map((s) => [s.step, s.outcome])).toEqual([
      ['step-a', 'success'],
      ['step-b', 'success'],
      ['step-c', 'success'],
    ]);
    expect(view.steps?.[0]).toEqual(interrupted.steps?.[0]); // the first run's record, as it was
    expect(view.output).toEqual({
      'step-a': { provider: a.name, token: tokenA },
      'step-b': { provider: b.name, id: `${b.name}_1`, status: 'succeeded' },
      'step-c': { provider: c.name, id: `${c.name}_1`, status: 'succeeded' },
    });

    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2);
    expect(b.calls[1]!.body).toEqual({ token: tokenA }); // fed from the recorded output
    expect(b.idempotencyKeys).toEqual([`${ORDER}:step-b:${b.name}`, `${ORDER}:step-b:${b.name}`]);
    expect(c.calls).toHaveLength(1);
    expect(c.calls[0]!.body).toEqual({ id: `${b.name}_1` });
    expect(c.idempotencyKeys).toEqual([`${ORDER}:step-c:${c.name}`]);
  });

  it('a short shutdown grace interrupts step B: the job is not failed, keeps step A, and a new worker finishes it without calling A', {
    timeout: 45_000,
  }, async () => {
    const k = kit();
    const { backstop, start, waitState } = k;
    const { a, b, c } = await threeStepFeature(k);
    b.next({ kind: 'stall' });

    const workerA = await start({ BACKSTOP_SHUTDOWN_GRACE_MS: '300' });
    const handle = await dispatch(backstop);
    await until(() => b.calls.length === 1, 15_000, 'step B to be called');
    expect(await workerA.stop(10_000)).toBe(0); // SIGTERM; SIGKILL (exit null) if it hangs
    expect(workerA.logs.some((l) => l.msg === 'shutdown grace over: aborting running jobs')).toBe(true);
    expect(
      workerA.logs.some(
        (l) => l.jobId === handle.id && l.msg === 'job interrupted by shutdown; it will run again',
      ),
    ).toBe(true);

    // Interrupted, not failed: waiting for BullMQ's retry, with only the completed step recorded.
    const interrupted = await backstop.jobs.get(handle.id);
    expect(['delayed', 'waiting']).toContain(interrupted.state);
    expect(interrupted.error).toBeUndefined();
    expect(interrupted.runs).toBe(1);
    expect(interrupted.steps?.map((s) => [s.step, s.outcome])).toEqual([['step-a', 'success']]);
    const tokenA = (interrupted.steps?.[0]?.output as { token?: string } | undefined)?.token;
    expect(tokenA).toEqual(expect.any(String));

    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 20_000);
    expect(view.state).toBe('completed');
    expect(view.runs).toBe(2);
    expect(view.steps?.map((s) => [s.step, s.outcome])).toEqual([
      ['step-a', 'success'],
      ['step-b', 'success'],
      ['step-c', 'success'],
    ]);
    expect(view.steps?.[0]).toEqual(interrupted.steps?.[0]);
    expect(view.output).toMatchObject({ 'step-a': { provider: a.name, token: tokenA } });

    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2);
    expect(b.calls.map((call) => call.body)).toEqual([{ token: tokenA }, { token: tokenA }]);
    expect(b.idempotencyKeys).toEqual([`${ORDER}:step-b:${b.name}`, `${ORDER}:step-b:${b.name}`]);
    expect(c.calls).toHaveLength(1);
  });

  it('a step that fails for good fails the job once: BullMQ does not retry it and later steps never run', {
    timeout: 30_000,
  }, async () => {
    const k = kit();
    const { backstop, start, waitState } = k;
    const { a, b, c } = await threeStepFeature(k, { retries: 1 });
    b.down(503);

    const worker = await start();
    const handle = await dispatch(backstop);
    const view = await waitState(handle.id, ['completed', 'failed']);
    expect(view.state).toBe('failed');
    expect(view.kind).toBe('feature');
    expect(view.error?.code).toBe('BACKSTOP_FEATURE_STEP_FAILED');
    expect(view.error?.message).toContain('step-b');
    expect(view.runs).toBe(1);
    expect(view.steps?.map((s) => [s.step, s.outcome])).toEqual([
      ['step-a', 'success'],
      ['step-b', 'failure'],
    ]);
    expect(view.steps?.[1]?.attempts.map((at) => [at.attempt, at.error?.status])).toEqual([
      [1, 503],
      [2, 503],
    ]);

    // Longer than BullMQ's first retry backoff (1 s): nothing runs it again.
    await sleep(1_500);
    const later = await backstop.jobs.get(handle.id);
    expect(later.state).toBe('failed');
    expect(later.runs).toBe(1);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2); // the step's own retry, once
    expect(c.calls).toHaveLength(0);
    expect(await worker.stop()).toBe(0);
  });
});
