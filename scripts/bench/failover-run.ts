import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { Backstop } from '../../src/index.js';
import type { LoopbackProvider, Mode } from './failover-providers.js';
import {
  cockatielChain,
  defineChain,
  PROVIDERS,
  type RunRecord,
  recordOf,
  type SetupSpec,
} from './failover-setups.js';
import type { EndedRun } from './failover-worker.js';

/** A scenario's timeline: at `at` ms after the load starts, providers change mode. */
export interface Scenario {
  id: string;
  title: string;
  steps: { at: number; set: Partial<Record<(typeof PROVIDERS)[number], Mode>> }[];
  durationMs: number;
  /** Offsets of the fault windows (the faulty provider down, hung or flaky). */
  faults: { start: number; end: number }[];
  faulty: string;
  returning: string;
  /** Chain options of this scenario (whenAllUnhealthy: 'fail' for the total outage). */
  chain?: Record<string, unknown>;
}

export interface Lab {
  redisUrl: string;
  providers: LoopbackProvider[];
  rate: number;
}

/** What running a scenario gives back: each setup's runs, and when the load started. */
export interface Outcome {
  t0: number;
  records: Map<string, RunRecord[]>;
  /** Per setup, when its timeline started, when setups ran one after another. */
  t0s?: Map<string, number>;
}

const WARM_MS = 1_500;
/** Steady traffic before the scenario's first step: what a provider's baseline latency is learnt from. */
const LEAD_MS = 1_000;
const DRAIN_MS = 8_000;
const prefixOf = (id: string) => `{bf-${randomBytes(3).toString('hex')}-${id}}`;

function options(spec: SetupSpec, prefix: string, redisUrl: string) {
  return { redis: redisUrl, prefix, product: 'bench', env: 'prd', logger: silentLogger, ...spec.backstop };
}

/** Runs the scenario against every setup at once in this process (and cockatiel's chain when asked). */
export async function runInProcess(
  lab: Lab,
  scenario: Scenario,
  specs: readonly SetupSpec[],
  withCockatiel: boolean,
): Promise<Outcome> {
  resetProviders(lab);
  const records = new Map<string, RunRecord[]>();
  const runners: { id: string; run: () => Promise<unknown> }[] = [];
  const backstops: Backstop[] = [];
  for (const spec of specs) {
    const backstop = new Backstop(options(spec, prefixOf(spec.id), lab.redisUrl));
    backstops.push(backstop);
    await defineChain(backstop, spec, lab.providers, scenario.chain);
    if (spec.healthcheck)
      await backstop.worker({ fallbacks: false, healthConcurrency: spec.healthConcurrency });
    const list: RunRecord[] = [];
    records.set(spec.id, list);
    const started = new Map<string, number>();
    if (process.env.BENCH_TRACE === spec.id)
      backstop.on('health.changed', (e) =>
        console.log(`[${spec.id}] ${e.at % 100_000} ${e.key} ${e.state} ${e.reason}`),
      );
    backstop.on('run.started', (e) => started.set(e.run.runId, Date.now()));
    backstop.on('run.ended', (e) => {
      list.push(recordOf(started.get(e.run.runId) ?? e.at - e.durationMs, e, e.attempts));
      started.delete(e.run.runId);
    });
    runners.push({ id: spec.id, run: () => backstop.fallback.run({ tag: 'pay', input: {} }) });
  }
  if (withCockatiel) {
    const list: RunRecord[] = [];
    records.set('cockatiel', list);
    const run = cockatielChain(lab.providers);
    runners.push({ id: 'cockatiel', run: async () => list.push(await run()) });
  }
  await sleep(WARM_MS); // first probes land, connections open
  const load = runners.map((r) => drive(lab.rate, LEAD_MS + scenario.durationMs, r.run));
  await sleep(LEAD_MS);
  const t0 = Date.now();
  await timeline(lab, scenario);
  await Promise.race([Promise.all(load), sleep(DRAIN_MS)]);
  for (const b of backstops) await b.close();
  return { t0, records };
}

/**
 * Runs the scenario against one setup on two worker processes: this process dispatches jobs at the
 * rate; the first worker also runs the probes. A run's latency counts from its dispatch.
 */
export async function runInWorkers(lab: Lab, scenario: Scenario, spec: SetupSpec): Promise<Outcome> {
  resetProviders(lab);
  const prefix = prefixOf(spec.id);
  const backstop = new Backstop(options(spec, prefix, lab.redisUrl));
  await defineChain(backstop, spec, lab.providers, scenario.chain);
  const dispatched = new Map<string, number>();
  const list: RunRecord[] = [];
  const children = await Promise.all([0, 1].map((i) => startWorker(lab, spec, prefix, i === 0)));
  for (const child of children) {
    child.on('message', (message: { runs?: EndedRun[] }) => {
      for (const r of message.runs ?? []) {
        const attempts = r.attempts.map(([provider, outcome, at, durationMs]) => ({
          provider,
          outcome,
          startedAt: new Date(at).toISOString(),
          durationMs,
        }));
        list.push(recordOf(dispatched.get(r.runId) ?? r.at - r.durationMs, r, attempts));
      }
    });
  }
  await sleep(WARM_MS);
  const load = drive(lab.rate, LEAD_MS + scenario.durationMs, async () => {
    const at = Date.now();
    const job = await backstop.fallback.dispatch({ tag: 'pay', input: {} });
    dispatched.set(job.id, at);
  });
  await sleep(LEAD_MS);
  const t0 = Date.now();
  await timeline(lab, scenario);
  await load;
  const deadline = Date.now() + DRAIN_MS;
  while (list.length < dispatched.size && Date.now() < deadline) await sleep(100);
  for (const child of children) child.kill('SIGKILL');
  await backstop.close();
  return { t0, records: new Map([[spec.id, list]]) };
}

function startWorker(lab: Lab, spec: SetupSpec, prefix: string, probes: boolean): Promise<ChildProcess> {
  const child = fork(resolve(import.meta.dirname, 'failover-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      REDIS_URL: lab.redisUrl,
      BENCH_PREFIX: prefix,
      BENCH_SETUP: JSON.stringify(spec),
      BENCH_HEALTHCHECKS: probes ? '1' : '0',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((done, fail) => {
    child.once('exit', (code) => fail(new Error(`bench worker exited (${code}) before it was ready`)));
    child.on('message', (m: { ready?: boolean }) => {
      if (m.ready) done(child);
    });
  });
}

/** Starts `run` at a steady rate for `durationMs` (open loop: slow runs do not slow the arrivals). */
async function drive(rate: number, durationMs: number, run: () => Promise<unknown>): Promise<void> {
  const start = Date.now();
  const pending = new Set<Promise<unknown>>();
  let started = 0;
  while (Date.now() - start < durationMs) {
    const due = Math.floor(((Date.now() - start) * rate) / 1000);
    for (; started < due; started++) {
      const p = run().catch(() => undefined);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    await sleep(5);
  }
  await Promise.all(pending);
}

async function timeline(lab: Lab, scenario: Scenario): Promise<void> {
  const start = Date.now();
  for (const step of scenario.steps) {
    await sleep(Math.max(0, start + step.at - Date.now()));
    for (const [name, mode] of Object.entries(step.set))
      lab.providers[PROVIDERS.indexOf(name as 'a')]!.set(mode);
  }
  await sleep(Math.max(0, start + scenario.durationMs - Date.now()));
}

/** Every provider up again (their call logs are cleared per scenario by the caller). */
function resetProviders(lab: Lab): void {
  for (const p of lab.providers) p.set({ kind: 'up' });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
