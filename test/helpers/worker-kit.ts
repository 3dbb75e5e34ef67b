import { afterAll, afterEach, beforeEach } from 'vitest';
import type { Backstop, JobView } from '../../src/index.js';
import { httpChains } from './http-chains.js';
import { testBackstop, uniquePrefix } from './redis.js';
import { until } from './until.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

export { until };

/** `$Secret{BT_TEST_API_TOKEN}` may be used by tests' apps; workers get its value from their env. */
const TEST_SECRETS = { BACKSTOP_SECRETS: 'BT_TEST_API_TOKEN' };

export interface WorkerKit {
  prefix: string;
  backstop: Backstop;
  chains: ReturnType<typeof httpChains>;
  /** A child worker on this test's prefix; killed after the test whatever happens. */
  start(env?: Record<string, string>): Promise<WorkerProcess>;
  /** Polls `jobs.get` until the job is in one of `states`. */
  waitState(id: string, states: string[], ms?: number): Promise<JobView>;
}

/**
 * Per test: a fresh key prefix, a Backstop producing on it, HTTP simulators, and child workers that
 * are SIGKILLed after the test (and after the file, should a hook be skipped).
 */
export function useWorkerKit(): () => WorkerKit {
  let kit: WorkerKit | undefined;
  const children: WorkerProcess[] = [];
  let cleanup: (() => Promise<void>) | undefined;

  const killAll = async () => {
    await Promise.all(children.splice(0).map((w) => w.kill()));
  };

  beforeEach(() => {
    const prefix = uniquePrefix();
    // The producer declares the name (create-time checks); child workers declare and hold its value.
    const backstop = testBackstop({ prefix, processEnv: { ...process.env, ...TEST_SECRETS } });
    const chains = httpChains(() => backstop);
    kit = {
      prefix,
      backstop,
      chains,
      async start(env = {}) {
        const worker = await startWorkerProcess(prefix, { ...TEST_SECRETS, ...env });
        children.push(worker);
        return worker;
      },
      async waitState(id, states, ms = 15_000) {
        let view: JobView | undefined;
        await until(
          async () => {
            view = await backstop.jobs.get(id);
            return states.includes(view.state);
          },
          ms,
          `job ${id} to be ${states.join(' or ')} (last seen: ${view?.state})`,
        );
        // `jobs.get` reads the job and then its state: a job finishing in between shows its new
        // state with its old data. A finished job no longer changes, so read it once more.
        const settled = await backstop.jobs.get(id);
        return settled.state === view!.state ? settled : view!;
      },
    };
    cleanup = async () => {
      await killAll();
      await chains.closeAll();
      await backstop.close();
    };
  });
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  afterAll(killAll);
  return () => {
    if (!kit) throw new Error('useWorkerKit: no test is running');
    return kit;
  };
}

/**
 * A chain whose primary is down (503) and whose fallback's first call does not answer (ever, or
 * for `stallMs`); a child worker started with `env`; a job of that chain dispatched to it and
 * returned once its call reached the fallback.
 */
export async function jobStalledAtFallback(
  { backstop, chains, start }: WorkerKit,
  { env = {}, stallMs }: { env?: Record<string, string>; stallMs?: number } = {},
) {
  const primary = (await chains.provider('primary')).down(503);
  const fallback = (await chains.provider('fallback')).next(
    stallMs === undefined ? { kind: 'stall' } : { kind: 'stall', ms: stallMs },
  );
  const tag = await chains.chain([chains.option(primary), chains.option(fallback)]);
  const worker = await start(env);
  const handle = await backstop.fallback.dispatch({ tag, input: {} });
  await until(() => fallback.calls.length === 1, 15_000, 'the fallback to be called');
  return { primary, fallback, tag, worker, handle };
}

/** Lines a job wrote: everything that names a job, a run, a provider or an attempt. */
export function jobLines(logs: Record<string, unknown>[]): Record<string, unknown>[] {
  return logs.filter((l) => 'jobId' in l || 'runId' in l || 'provider' in l || 'attempt' in l);
}
