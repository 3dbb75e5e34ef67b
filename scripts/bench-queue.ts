/**
 * Queue throughput and delayed-job lateness: Backstop's producer and worker against raw BullMQ 6,
 * side by side in one run on the same Redis, each measurement on a fresh key prefix. Prints tables,
 * ratios, what each job costs, and the aims; asserts nothing about speed. Also worker
 * throughput with healthchecks on vs off. `npm run bench:queue`.
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { loadAverage, machineLine, progress } from './bench/machine.js';
import {
  type DispatchKind,
  type DispatchPlan,
  describeDispatch,
  measureDispatch,
} from './bench/queue-dispatch.js';
import { type BenchEnv, collectGarbage, startBenchEnv } from './bench/queue-env.js';
import {
  describeHealth,
  HEALTH_TITLES,
  type HealthCell,
  type HealthPlan,
  type HealthScenario,
  measureHealth,
  measureIdle,
  printHealth,
} from './bench/queue-health.js';
import {
  backstopLateness,
  describeLateness,
  type LatenessPlan,
  rawLateness,
} from './bench/queue-lateness.js';
import {
  type LatenessRow,
  printByHand,
  printCosts,
  printLateness,
  printSummary,
  printThroughput,
  type ThroughputRow,
} from './bench/queue-report.js';
import { FORM_LABELS, RAW } from './bench/queue-sides.js';
import {
  describeTelemetry,
  measureTelemetry,
  printTelemetry,
  type TelemetryCell,
  type TelemetryPlan,
} from './bench/queue-telemetry.js';
import {
  describeWorker,
  measureWorker,
  SCENARIO_TITLES,
  type WorkerPlan,
  type WorkerScenario,
} from './bench/queue-worker.js';

const DISPATCH: DispatchPlan = {
  parallel: 100,
  bulkSize: 100,
  warmupMs: 300,
  roundMs: 150,
  rounds: 8,
  countJobs: 300,
};
const DISPATCH_KINDS: readonly DispatchKind[] = ['sequential', 'parallel', 'bulk'];
// 4,000 jobs a drain: drains of 1,000 (a fifth of a second) spread by 50-100 % on a shared VM.
const WORKER: WorkerPlan = { jobs: 4000, concurrency: 10, rounds: 5, timeoutMs: 60_000, countJobs: 300 };
const WORKER_SCENARIOS: readonly WorkerScenario[] = ['primary-ok', 'primary-fails'];
const LATENESS: LatenessPlan = {
  jobs: 3000,
  spreadMs: 4000,
  leadMs: 1000,
  chunk: 100,
  concurrency: 10,
  warmupJobs: 200,
};
const HEALTH: HealthPlan = {
  jobs: 1000,
  concurrency: 10,
  warmupRounds: 2,
  rounds: 10,
  timeoutMs: 20_000,
  countJobs: 300,
  readyTimeoutMs: 5_000,
  idleMs: 2_000,
};
const HEALTH_SCENARIOS: readonly HealthScenario[] = ['primary-ok', 'primary-throws'];
const TELEMETRY: TelemetryPlan = {
  jobs: 1000,
  concurrency: 10,
  warmupRounds: 1,
  rounds: 6,
  timeoutMs: 20_000,
};
const THROUGHPUT_AIM = 0.9;
/** Worker throughput against raw BullMQ: the primary serving, and failing over to the second. */
const WORKER_AIMS: Record<WorkerScenario, number> = { 'primary-ok': 0.85, 'primary-fails': 0.8 };
const TELEMETRY_AIM = 0.95;
const LATENESS_AIM_MS = 10;

/** `BENCH_ONLY=worker` (or dispatch, health, lateness, telemetry; comma-separated) measures only those parts. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'dispatch,worker,health,lateness,telemetry').split(','));

async function main(): Promise<void> {
  const startedAt = performance.now();
  const env = await startBenchEnv();
  const stats = new Redis(env.main.url, { maxRetriesPerRequest: 1 });
  stats.on('error', () => {});
  try {
    printHeader(env);
    const dispatch: ThroughputRow[] = [];
    for (const kind of ONLY.has('dispatch') ? DISPATCH_KINDS : []) {
      collectGarbage();
      const cell = await measureDispatch(env, stats, kind, DISPATCH);
      dispatch.push({ label: cell.label, sides: cell.sides });
      progress(`dispatch, ${cell.label}`);
    }
    const workers: ThroughputRow[] = [];
    const problems: string[] = [];
    for (const scenario of ONLY.has('worker') ? WORKER_SCENARIOS : []) {
      collectGarbage();
      const cell = await measureWorker(env, stats, scenario, WORKER);
      workers.push({
        label: `${SCENARIO_TITLES[scenario]}, c=${WORKER.concurrency}`,
        sides: cell.sides,
        aim: WORKER_AIMS[scenario],
      });
      problems.push(...cell.problems.map((p) => `${SCENARIO_TITLES[scenario]}: ${p}`));
      progress(`worker, ${SCENARIO_TITLES[scenario]}`);
    }
    const health: HealthCell[] = [];
    for (const scenario of ONLY.has('health') ? HEALTH_SCENARIOS : []) {
      collectGarbage();
      health.push(await measureHealth(env, stats, scenario, HEALTH));
      progress(`worker with healthchecks on/off, ${HEALTH_TITLES[scenario]}`);
    }
    const idle = ONLY.has('health') ? await measureIdle(env, HEALTH) : undefined;
    if (idle) progress('idle worker with healthchecks on/off');
    const lateness = ONLY.has('lateness') ? await measureLateness(env) : [];
    const telemetry = ONLY.has('telemetry') ? await telemetryVerdicts(env, stats) : [];

    const verdicts = [
      ...printThroughput('dispatch', dispatch, THROUGHPUT_AIM, [
        'Dispatch throughput (jobs queued per second, median round; ratio = median of per-round',
        ' Backstop/raw ratios, > 1 means Backstop is faster; spread = (max-min)/median of rounds)',
      ]),
      ...printThroughput('worker', workers, THROUGHPUT_AIM, [
        `Worker throughput (${WORKER.jobs} pre-queued jobs, first to last completion; median of drains;`,
        ' ratio = median of per-round Backstop/raw ratios)',
      ]),
    ];
    for (const problem of problems)
      console.log(`  CHECK FAILED: ${problem}; that number measures another path.`);
    printByHand(workers);
    printCosts([...dispatch, ...workers]);
    if (idle) verdicts.push(...printHealth(health, idle, HEALTH));
    if (lateness.length) verdicts.push(...printLateness(lateness, LATENESS_AIM_MS, !process.env.REDIS_URL));
    printSummary([...verdicts, ...telemetry], THROUGHPUT_AIM, LATENESS_AIM_MS);
  } finally {
    stats.disconnect();
    await env.close();
  }
  console.log(`\nload average at the end: ${loadAverage()} (${os.cpus().length} CPUs)`);
  console.log(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

/** Worker throughput with telemetry off, metrics on, and metrics with job logs, for both scenarios. */
async function telemetryVerdicts(env: BenchEnv, stats: Redis) {
  for (const line of describeTelemetry(TELEMETRY)) console.log(`  ${line}`);
  const cells: TelemetryCell[] = [];
  for (const scenario of WORKER_SCENARIOS) {
    collectGarbage();
    cells.push(await measureTelemetry(env, stats, scenario, TELEMETRY));
    progress(`worker with telemetry off/on, ${SCENARIO_TITLES[scenario]}`);
  }
  return printTelemetry(cells, TELEMETRY_AIM);
}

async function measureLateness(env: BenchEnv): Promise<LatenessRow[]> {
  const rows: LatenessRow[] = [];
  const stored = (url: string, prefix: string, plan: LatenessPlan) =>
    backstopLateness(url, prefix, plan, 'stored');
  const code = (url: string, prefix: string, plan: LatenessPlan) =>
    backstopLateness(url, prefix, plan, 'code');
  const sides = [
    { side: FORM_LABELS.stored, redis: env.main, run: stored },
    { side: FORM_LABELS.code, redis: env.main, run: code },
    { side: RAW, redis: env.main, run: rawLateness },
    { side: RAW, redis: env.defaults, run: rawLateness },
    { side: FORM_LABELS.code, redis: env.fast, run: code },
    { side: RAW, redis: env.fast, run: rawLateness },
  ];
  for (const { side, redis, run } of sides) {
    collectGarbage();
    const prefix = env.prefix();
    const result = await run(redis.url, prefix, LATENESS);
    if (redis === env.main) await env.drop(prefix);
    rows.push({ side, redis: redis.label, hz: redis.hz, ...result, whatIf: redis === env.fast });
    progress(`lateness, ${side} on ${redis.label} (hz ${redis.hz})`);
  }
  return rows;
}

function printHeader(env: BenchEnv): void {
  console.log('bench:queue - Backstop producer and worker vs raw BullMQ 6.7 (same process, same Redis)');
  console.log(machineLine());
  console.log(
    `main Redis: ${env.main.label}, ${env.main.url}, hz ${env.main.hz}` +
      (process.env.REDIS_URL ? '' : " (startEmbeddedRedis's config: AOF everysec, noeviction)"),
  );
  console.log(
    `second Redis: ${env.defaults.label}, ${env.defaults.url}, hz ${env.defaults.hz} (Redis's default hz)`,
  );
  console.log(
    `third Redis: ${env.fast.label}, ${env.fast.url}, hz ${env.fast.hz} (lateness only: what hz 500 would give)`,
  );
  console.log(
    'Every measurement uses its own key prefix (removed after it); client, Redis and workers share',
  );
  console.log('the machine, so other load on it moves the absolute numbers: read the ratios and the costs.');
  console.log(
    `\nDispatch: per cell ${DISPATCH.warmupMs} ms warm-up per side, then ${DISPATCH.rounds} rounds of ` +
      `${DISPATCH.roundMs} ms per side in rotating order.`,
  );
  for (const line of describeDispatch(DISPATCH)) console.log(`  ${line}`);
  console.log(
    `Worker: ${WORKER.jobs} jobs queued first, then drained; ${WORKER.rounds} drains per side in ` +
      'rotating order; jobs/s from first to last completion (finishedOn).',
  );
  for (const line of describeWorker(WORKER)) console.log(`  ${line}`);
  console.log(
    `Health: worker throughput with healthchecks on vs off; ${HEALTH.warmupRounds} warm-up drains, then ` +
      `${HEALTH.rounds} drains of ${HEALTH.jobs} jobs per side in rotating order, a fresh Backstop and prefix`,
  );
  console.log(
    '  each, a full GC before each drain; node CPU per job is steadier than jobs/s on a busy machine.',
  );
  for (const line of describeHealth(HEALTH)) console.log(`  ${line}`);
  console.log(
    `Lateness: ${LATENESS.jobs} jobs due over ${LATENESS.spreadMs} ms, ${LATENESS.leadMs} ms lead, bulks of ` +
      `${LATENESS.chunk}, concurrency ${LATENESS.concurrency}, ${LATENESS.warmupJobs} warm-up jobs first (not counted).`,
  );
  for (const line of describeLateness()) console.log(`  ${line}`);
  console.log(
    "note: Backstop's src/ runs through tsx's transform, BullMQ from its prebuilt dist/: a few percent against Backstop.",
  );
  console.log('');
}

await main();
