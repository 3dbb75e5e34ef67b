import { afterAll, afterEach } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { AppDefinition, Backstop, FallbackOption } from '../../src/index.js';
import { Backstop as BackstopClass } from '../../src/index.js';
import { type JobView, viewOf } from '../../src/queue/job-view.js';
import {
  type Fault,
  IdempotentProvider,
  type IdempotentProviderOptions,
  type KeyPlace,
  seeded,
} from '../helpers/idempotent-provider.js';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

/**
 * The fault suite runs at two scales: small inside `npm test` (CI stays under 10 minutes on two
 * cores), full with `npm run test:faults` (BACKSTOP_FAULT_SCALE=full), whose counts the README quotes.
 */
export const FULL = process.env.BACKSTOP_FAULT_SCALE === 'full';
export const scale = <T>(small: T, full: T): T => (FULL ? full : small);

/** The default retention (10,000 completed jobs) would drop finished jobs before a full-scale case counts them. */
const KEEP = { BACKSTOP_KEEP_COMPLETED_COUNT: '100000', BACKSTOP_KEEP_FAILED_COUNT: '100000' };

/** Each case prints what it counted, one line. */
export function report(name: string, counts: Record<string, unknown>): void {
  const parts = Object.entries(counts).map(
    ([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`,
  );
  console.log(`[faults ${FULL ? 'full' : 'small'}] ${name}: ${parts.join(' ')}`);
}

export interface FaultKit {
  prefix: string;
  backstop: Backstop;
  /** A worker process on this kit's Redis and prefix; SIGKILLed after the test whatever happens. */
  worker(env?: Record<string, string>): Promise<WorkerProcess>;
  provider(name: string, options?: IdempotentProviderOptions): Promise<IdempotentProvider>;
}

/** Per test: a prefix, a Backstop producing on it, providers and worker processes, all cleaned up. */
export function useFaultKit() {
  const workers: WorkerProcess[] = [];
  const providers: IdempotentProvider[] = [];
  const backstops: Backstop[] = [];
  const cleanup = async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await Promise.all(backstops.splice(0).map((b) => b.close().catch(() => {})));
  };
  afterEach(cleanup);
  afterAll(cleanup);
  return (url = redisUrl()): FaultKit => {
    const prefix = uniquePrefix();
    const backstop = new BackstopClass({
      redis: url,
      prefix,
      product: 'faults',
      env: 'prd',
      logger: silentLogger,
      circuit: false,
      processEnv: { ...process.env, ...KEEP },
    });
    backstops.push(backstop);
    return {
      prefix,
      backstop,
      async worker(env = {}) {
        const w = await startWorkerProcess(prefix, {
          REDIS_URL: url,
          BACKSTOP_CONCURRENCY: '20',
          LOG_LEVEL: 'info',
          ...KEEP,
          ...env,
        });
        workers.push(w);
        return w;
      },
      async provider(name, options = {}) {
        const p = await IdempotentProvider.start(name, options);
        providers.push(p);
        return p;
      },
    };
  };
}

/** The app of an idempotent provider: `charge` (the key where `place` says) and `find-charge` (its verify). */
export async function defineApp(
  backstop: Backstop,
  provider: IdempotentProvider,
  place?: KeyPlace,
): Promise<void> {
  const idempotency: AppDefinition['idempotency'] = { ...(place ?? {}), inProgressStatus: 409 };
  await backstop.app.define({
    tag: provider.name,
    idempotency,
    envs: { prd: { baseUrl: provider.url } },
    actions: {
      charge: { method: 'POST', path: '/charge' },
      'find-charge': { method: 'GET', path: '/verify', idempotency: false },
    },
  });
}

export const VERIFY = {
  event: 'find-charge',
  input: { query: { key: '$Run{idempotencyKey}' } },
  output: '$Response{charge}',
};

/** An option calling a provider's `charge`. */
export function chargeOption(
  provider: IdempotentProvider,
  extra: Partial<FallbackOption> = {},
): FallbackOption {
  return {
    type: 'action',
    app: provider.name,
    event: 'charge',
    input: { body: { amount: '$Input{amount}' } },
    output: { chargeId: '$Response{id}' },
    retries: 1,
    timeout: 300,
    backoff: { type: 'fixed', delay: 50 },
    ...extra,
  };
}

/** Waits until `count` jobs of the kit's queue are completed or failed. */
export async function allFinished(backstop: Backstop, count: number, ms: number): Promise<void> {
  const queue = await backstop.jobQueue();
  let seen = 0;
  await until(
    async () => {
      const counts = await queue.getJobCounts('completed', 'failed');
      seen = (counts.completed ?? 0) + (counts.failed ?? 0);
      return seen >= count;
    },
    ms,
    `${count} jobs to finish`,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (finished: ${seen})`);
  });
}

/** Every finished job, as `jobs.get` shows it. */
export async function finishedJobs(backstop: Backstop): Promise<JobView[]> {
  const queue = await backstop.jobQueue();
  const views: JobView[] = [];
  for (const state of ['completed', 'failed'] as const) {
    for (let start = 0; ; start += 500) {
      const jobs = await queue.getJobs([state], start, start + 499, true);
      for (const job of jobs) views.push(viewOf(job, state));
      if (jobs.length < 500) break;
    }
  }
  return views;
}

/** How many runs got an effect at more than one provider: each is a customer charged twice. */
export function doubleEffects(providers: IdempotentProvider[], runKeys: string[]): number {
  let doubles = 0;
  for (const runKey of runKeys) {
    const at = providers.filter((p) => p.effects.has(`${runKey}:${p.name}`));
    if (at.length > 1) doubles++;
  }
  return doubles;
}

/**
 * A fault drawn at each new call, not per key: a refused key may meet another fault when retried.
 * Drawn from the key and how many times it was called before, not from the order calls arrive in:
 * two workers interleave their calls differently on every run, and the suite meets the same faults
 * each time (drawn in arrival order, one run met so few acting-then-failing calls under the
 * failover policy that it charged no one twice, and the test of that risk failed).
 */
export function faultDraws(share: number, faults: Fault[], seed: number): (key: string) => Fault {
  const calls = new Map<string, number>();
  return (key) => {
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    const random = seeded(hashOf(`${seed}:${key}:${n}`));
    return random() >= share ? 'ok' : faults[Math.floor(random() * faults.length)]!;
  };
}

/** FNV-1a, 32 bits: a seed from a string. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
