import { type Job, type JobType, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach } from 'vitest';
import type { HealthcheckInput } from '../../src/core/health/healthcheck-schema.js';
import type { ProbeRecord, ProviderState } from '../../src/core/health/provider-state.js';
import type { Backstop, BackstopOptions, FallbackOption, HealthKey } from '../../src/index.js';
import { Keys } from '../../src/store/keys.js';
import { NO_BACKOFF } from './http-chains.js';
import { ProviderSimulator } from './provider-simulator.js';
import { rawRedis, redisUrl, testBackstop, uniquePrefix } from './redis.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

export { until } from './until.js';

/** Live calls (POST /charge), as opposed to probes (GET /ping). */
export const charges = (sim: ProviderSimulator) =>
  sim.calls.filter((c) => c.method === 'POST' && c.path === '/charge');
export const pings = (sim: ProviderSimulator) =>
  sim.calls.filter((c) => c.method === 'GET' && c.path === '/ping');

/** A provider's app: `charge` (POST /charge) for runs, `ping` (GET /ping) for probes. */
export const PAY_ACTIONS = {
  charge: { method: 'POST', path: '/charge' },
  ping: { method: 'GET', path: '/ping' },
};

export function option(app: string, extra: Partial<FallbackOption> = {}): FallbackOption {
  return { type: 'action', app, event: 'charge', retries: 0, backoff: NO_BACKOFF, ...extra };
}

/** A healthcheck `<app>-health` probing app `app`'s `ping` in prd, every minute unless `extra` says otherwise. */
export function pingHealthcheck(app: string, extra: Partial<HealthcheckInput> = {}): HealthcheckInput {
  return {
    name: `${app} health`,
    tag: `${app}-health`,
    app,
    event: 'ping',
    interval: 60_000,
    envs: [{ slug: 'prd', input: {} }],
    ...extra,
  };
}

export const key = (healthcheck: string, env = 'prd'): HealthKey => ({
  product: 'my-product',
  env,
  healthcheck,
});

/** A provider state write as published: the whole state, and its number in the global sequence. */
export interface ReceivedEvent {
  seq: number;
  key: string;
  env: string;
  state: ProviderState;
  receivedAt: number;
}

/**
 * Every provider state write published on a prefix, in order, as a third party sees them: each
 * probe's and each live outcome's exact effect, so a test can check the state after each probe.
 */
export class HealthEvents {
  readonly all: ReceivedEvent[] = [];
  private constructor(private readonly subscriber: Redis) {}

  static async listen(prefix: string): Promise<HealthEvents> {
    const subscriber = new Redis(redisUrl());
    const events = new HealthEvents(subscriber);
    subscriber.on('message', (_channel: string, message: string) => {
      events.all.push({ ...(JSON.parse(message) as ReceivedEvent), receivedAt: Date.now() });
    });
    await subscriber.subscribe(new Keys(prefix).healthEvents());
    return events;
  }

  /** Writes of a healthcheck's state, from the `from`-th event on. */
  of(healthcheck: string, from = 0): ReceivedEvent[] {
    return this.all.slice(from).filter((e) => e.key === healthcheck);
  }

  /** The probe record after each probe of a healthcheck (the writes a probe made), from the `from`-th event on. */
  probes(
    healthcheck: string,
    from = 0,
  ): { state: ProbeRecord; provider: ProviderState; receivedAt: number }[] {
    const out: { state: ProbeRecord; provider: ProviderState; receivedAt: number }[] = [];
    let lastChecked: number | null = null;
    this.all.forEach((e, i) => {
      if (e.key !== healthcheck) return;
      const probe = e.state.probe;
      if (probe.lastChecked !== null && probe.lastChecked !== lastChecked && i >= from)
        out.push({ state: probe, provider: e.state, receivedAt: e.receivedAt });
      lastChecked = probe.lastChecked;
    });
    return out;
  }

  close(): void {
    this.subscriber.disconnect();
  }
}

/**
 * Every healthcheck and env in a probe round under a prefix, as `product.tag.env` with the round's
 * interval (`every`), sorted by key: read from the round sets, as a round's job reads them.
 */
export async function roundMembers(prefix: string): Promise<{ key: string; every: number }[]> {
  return (await readRounds(prefix))
    .map((m) => ({ key: `${m.product}.${m.tag}.${m.env}`, every: m.every }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

async function readRounds(
  prefix: string,
): Promise<{ product: string; tag: string; env: string; every: number }[]> {
  const redis = rawRedis();
  const keys = new Keys(prefix);
  try {
    const records = Object.values(await redis.hgetall(keys.probeRoundOf()));
    const intervals = new Set(records.map((r) => (JSON.parse(r) as { interval: number }).interval));
    const out: { product: string; tag: string; env: string; every: number }[] = [];
    for (const every of intervals) {
      for (const member of await redis.smembers(keys.probeRound(every))) {
        const [product = '', tag = '', env = ''] = member.split('|');
        out.push({ product, tag, env, every });
      }
    }
    return out;
  } finally {
    redis.disconnect();
  }
}

/** The job schedulers of the 'healthchecks' BullMQ queue under a prefix (one per round), by key. */
export async function roundSchedulers(prefix: string): Promise<{ key: string; every?: number | null }[]> {
  return withQueue(prefix, async (queue) => {
    const all = await queue.getJobSchedulers(0, -1);
    return all
      .map((s) => ({ key: s.key, every: s.every === undefined ? undefined : Number(s.every) }))
      .sort((a, b) => a.key.localeCompare(b.key));
  });
}

/**
 * Probe jobs that would probe healthcheck `tag`, in the given BullMQ states: round jobs of the
 * rounds it is in now, and single-probe jobs of earlier versions named after it.
 */
export async function probeJobs(prefix: string, tag: string, states: JobType[]): Promise<Job[]> {
  const rounds = new Set((await readRounds(prefix)).filter((m) => m.tag === tag).map((m) => m.every));
  return withQueue(prefix, async (queue) =>
    (await queue.getJobs(states)).filter(
      (job) => job?.name === tag || (typeof job?.data?.round === 'number' && rounds.has(job.data.round)),
    ),
  );
}

/**
 * Probe jobs that may still probe `tag`: queued ones, and every running round (it read who is in
 * it when it began, so one that began before `tag` left may still probe it).
 */
export async function pendingProbes(prefix: string, tag: string): Promise<number> {
  const queued = await probeJobs(prefix, tag, ['waiting', 'delayed', 'prioritized']);
  const running = await withQueue(prefix, (queue) => queue.getJobs(['active']));
  return (
    queued.length + running.filter((job) => job?.name === tag || typeof job?.data?.round === 'number').length
  );
}

/** Probe jobs of `tag` whose time has come and that no worker has taken. */
export async function dueProbes(prefix: string, tag: string): Promise<number> {
  const queued = await probeJobs(prefix, tag, ['waiting', 'delayed', 'prioritized']);
  return queued.filter((job) => job.timestamp + (job.delay ?? 0) <= Date.now()).length;
}

async function withQueue<T>(prefix: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const connection = rawRedis();
  const queue = new Queue('healthchecks', { connection, prefix });
  try {
    return await use(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Starts `workers/healthcheck.worker.ts` as a child process; circuits are off unless `env` turns them on. */
export function startHealthcheckProcess(
  prefix: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  return startWorkerProcess(prefix, env, 'workers/healthcheck.worker.ts');
}

export interface HealthKit {
  prefix: string;
  /** The test process's Backstop (product my-product, env prd); runs no workers unless asked. */
  backstop: Backstop;
  events: HealthEvents;
  /** A simulator behind an app named `name` (actions charge and ping). */
  provider(name: string): Promise<ProviderSimulator>;
  /** A bare simulator (e.g. a URL probe's target), closed after the test. */
  simulator(name: string): Promise<ProviderSimulator>;
  /** Another Backstop on this prefix, closed after the test. */
  another(options?: BackstopOptions): Backstop;
  healthWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  fallbackWorker(env?: Record<string, string>): Promise<WorkerProcess>;
}

/**
 * Per test: a fresh prefix, a Backstop on it, a listener of its health events, simulators and
 * child workers, all closed after the test (children are SIGKILLed; again after the file).
 */
export function useHealthKit(options: BackstopOptions = {}): () => HealthKit {
  let kit: HealthKit | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  const children: WorkerProcess[] = [];
  const killAll = () => Promise.all(children.splice(0).map((c) => c.kill()));

  beforeEach(async () => {
    const prefix = uniquePrefix();
    const sims: ProviderSimulator[] = [];
    const backstops: Backstop[] = [];
    const events = await HealthEvents.listen(prefix);
    const another = (extra: BackstopOptions = {}) => {
      const b = testBackstop({ prefix, ...options, ...extra });
      backstops.push(b);
      return b;
    };
    const backstop = another();
    const simulator = async (name: string) => {
      const sim = await ProviderSimulator.start(name);
      sims.push(sim);
      return sim;
    };
    const spawned = async (start: Promise<WorkerProcess>) => {
      const child = await start;
      children.push(child);
      return child;
    };
    kit = {
      prefix,
      backstop,
      events,
      simulator,
      another,
      async provider(name) {
        const sim = await simulator(name);
        await backstop.app.define({ tag: name, envs: { prd: { baseUrl: sim.url } }, actions: PAY_ACTIONS });
        return sim;
      },
      healthWorker: (env) => spawned(startHealthcheckProcess(prefix, env)),
      fallbackWorker: (env) => spawned(startWorkerProcess(prefix, env)),
    };
    cleanup = async () => {
      await killAll();
      for (const b of backstops.reverse()) await b.close();
      await Promise.all(sims.map((s) => s.close()));
      events.close();
    };
  });
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  afterAll(killAll);
  return () => {
    if (!kit) throw new Error('useHealthKit: no test is running');
    return kit;
  };
}
