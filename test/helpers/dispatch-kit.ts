import { afterAll, beforeAll, expect } from 'vitest';
import type { Backstop, DispatchParams, JobHandle, JobView } from '../../src/index.js';
import { pendingJobs } from './bullmq-jobs.js';
import { httpChains } from './http-chains.js';
import type { ProviderSimulator } from './provider-simulator.js';
import { testBackstop, uniquePrefix } from './redis.js';
import { until } from './until.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

export const WAIT = { timeout: 10_000 };

/**
 * For the whole file: a prefix, a Backstop producing on it, and one worker process
 * (workers/fallback.worker.ts) running its jobs from the chains and apps stored in Redis.
 */
export function useDispatchWorker() {
  const prefix = uniquePrefix();
  let backstop: Backstop | undefined;
  let worker: WorkerProcess | undefined;
  const chains = httpChains(() => producer());
  const producer = () => {
    if (!backstop) throw new Error('useDispatchWorker: not started');
    return backstop;
  };

  beforeAll(async () => {
    // The operator's floor lowered (the default is 1 s) so that a test sees a schedule repeat quickly.
    backstop = testBackstop({
      prefix,
      processEnv: { ...process.env, BACKSTOP_MIN_SCHEDULE_INTERVAL_MS: '100' },
    });
    worker = await startWorkerProcess(prefix);
  });
  afterAll(async () => {
    await worker?.stop();
    await backstop?.close();
    await chains.closeAll();
  });

  return {
    prefix,
    chains,
    backstop: producer,
    /** A chain of one provider (a fresh simulator). */
    async oneProvider(name = 'pay'): Promise<{ sim: ProviderSimulator; tag: string }> {
      const sim = await chains.provider(name);
      return { sim, tag: await chains.chain([chains.option(sim)]) };
    },
    /** `fallback.dispatch` of one job. */
    once: async (params: DispatchParams) => (await producer().fallback.dispatch(params)) as JobHandle,
    /** Waits until no job of this file's queue may still run: none waiting, delayed or running. */
    idle: () => until(async () => (await pendingJobs(prefix)) === 0, 10_000, 'the job queue to be idle'),
  };
}

/** The provider call a completed job made, found by its idempotency key. */
export function callOf(sim: ProviderSimulator, view: JobView) {
  expect(view.state).toBe('completed');
  const key = view.attempts.at(-1)!.idempotencyKey;
  const call = sim.calls.find((c) => c.idempotencyKey === key);
  if (!call) throw new Error(`no call to ${sim.name} with key ${key}`);
  return call;
}
