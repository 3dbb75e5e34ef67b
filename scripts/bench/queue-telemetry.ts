import type { Redis } from 'ioredis';
import { median, spreadPct } from './measure.js';
import type { SideResult } from './queue-dispatch.js';
import { type BenchEnv, collectGarbage } from './queue-env.js';
import { pairedRatio, type Verdict } from './queue-report.js';
import { backstopSide, prequeueBackstop } from './queue-sides.js';
import { type Drainable, drain, SCENARIO_TITLES, type WorkerScenario } from './queue-worker.js';
import { formatOps, formatRatio, formatTable } from './table.js';

/**
 * Worker throughput with telemetry off, with metrics, and with metrics, job logs and the runs view (the default),
 * side by side on the same Redis, in rotating order, each drain on a fresh prefix with a fresh
 * Backstop. Tracing is off on every side (no tracer provider registered): with none, Backstop adds
 * no listener, so that side is the same as `off`.
 */
export type TelemetryMode = 'off' | 'metrics' | 'metrics+logs' | 'default';
export const TELEMETRY_MODES: readonly TelemetryMode[] = ['off', 'metrics', 'metrics+logs', 'default'];
const LABELS: Record<TelemetryMode, string> = {
  off: 'telemetry off',
  metrics: 'metrics on',
  'metrics+logs': 'metrics + job logs',
  default: 'metrics + job logs + runs view (default)',
};

export interface TelemetryPlan {
  jobs: number;
  concurrency: number;
  warmupRounds: number;
  rounds: number;
  timeoutMs: number;
}

export interface TelemetryCell {
  scenario: WorkerScenario;
  sides: Record<string, SideResult>;
  problems: string[];
}

export function describeTelemetry(plan: TelemetryPlan): string[] {
  return [
    `The code-first two-provider chain, ${plan.jobs} dispatchBulk jobs drained at concurrency ${plan.concurrency}:`,
    '  telemetry off: new Backstop({ metrics: false, recentRuns: false }), worker({ jobLogs: false }); no tracer',
    '  provider, so no listener at all and runs build no events. metrics on: the default registry records every',
    "  run and attempt. metrics + job logs: each attempt, failover and the outcome also written to the job's",
    "  log. + runs view: the default, each run's summary also pushed to the runs view's list (both batched,",
    '  one pipeline per 25 ms, not awaited).',
  ];
}

async function telemetryDrainable(
  env: BenchEnv,
  mode: TelemetryMode,
  scenario: WorkerScenario,
  plan: TelemetryPlan,
): Promise<Drainable> {
  const prefix = env.prefix();
  const side = await backstopSide(env.main.url, prefix, 'code', {
    primaryFails: scenario === 'primary-fails',
    metrics: mode !== 'off',
    recentRuns: mode === 'default',
  });
  return {
    name: LABELS[mode],
    prefix,
    prequeue: (count) => prequeueBackstop(side.backstop, count),
    start: () =>
      side.backstop.worker({
        concurrency: plan.concurrency,
        jobLogs: mode === 'metrics+logs' || mode === 'default',
      }),
    async check(count) {
      const want = { primary: count, fallback: scenario === 'primary-fails' ? count : 0 };
      const { primary, fallback } = side.calls;
      if (primary !== want.primary || fallback !== want.fallback)
        return `provider calls a x${primary}, b x${fallback}; expected a x${want.primary}, b x${want.fallback}`;
      if (mode === 'off') return undefined;
      const text = await side.backstop.metrics.text();
      const served = text.match(/^backstop_runs_total\{[^}]*outcome="success"[^}]*\} (\d+)/m);
      return Number(served?.[1]) === count
        ? undefined
        : `metrics counted ${served?.[1] ?? 0} runs of ${count}`;
    },
    close: () => side.close(),
  };
}

export async function measureTelemetry(
  env: BenchEnv,
  stats: Redis,
  scenario: WorkerScenario,
  plan: TelemetryPlan,
): Promise<TelemetryCell> {
  const sides: Record<string, SideResult> = {};
  const problems: string[] = [];
  for (let round = -plan.warmupRounds; round < plan.rounds; round++) {
    for (let i = 0; i < TELEMETRY_MODES.length; i++) {
      const mode = TELEMETRY_MODES[(round + plan.warmupRounds + i) % TELEMETRY_MODES.length]!;
      const subject = await telemetryDrainable(env, mode, scenario, plan);
      try {
        await subject.prequeue(plan.jobs);
        collectGarbage();
        const result = await drain(subject, stats, plan.jobs, plan.timeoutMs);
        if (result.problem) problems.push(`${subject.name}, drain ${round + 1}: ${result.problem}`);
        if (round < 0) continue;
        const side = sides[subject.name] ?? { rates: [], cpu: [], commandJobs: 0 };
        sides[subject.name] = side;
        side.rates.push(result.rate);
        side.cpu.push({ nodeUs: result.nodeUs, redisUs: result.redisUs });
      } finally {
        await subject.close();
        await env.drop(subject.prefix);
      }
    }
  }
  return { scenario, sides, problems };
}

/** A table per scenario: jobs/s, spread, Node CPU per job, and each side against `off` (paired by round). */
export function printTelemetry(cells: readonly TelemetryCell[], aim: number): Verdict[] {
  console.log('\nTelemetry overhead (worker jobs per second, median of drains; ratio = median of per-round');
  console.log(' ratios against telemetry off, > 1 means faster)');
  const verdicts: Verdict[] = [];
  for (const cell of cells) {
    const off = cell.sides[LABELS.off];
    const rows = TELEMETRY_MODES.map((mode) => {
      const side = cell.sides[LABELS[mode]];
      const ratio = mode === 'off' ? 1 : pairedRatio(side, off);
      if (mode !== 'off')
        verdicts.push({
          aim: 'telemetry',
          what: `${LABELS[mode]} vs off, ${SCENARIO_TITLES[cell.scenario]}`,
          value: formatRatio(ratio),
          met: ratio >= aim,
        });
      const nodeUs = side ? median(side.cpu.map((c) => c.nodeUs)) : Number.NaN;
      return [
        LABELS[mode],
        side ? formatOps(median(side.rates)) : '-',
        side ? `${spreadPct(side.rates).toFixed(0)} %` : '-',
        Number.isFinite(nodeUs) ? `${nodeUs.toFixed(0)} µs` : '-',
        formatRatio(ratio),
      ];
    });
    console.log(`\n${SCENARIO_TITLES[cell.scenario]}`);
    console.log(formatTable(['side', 'jobs/s', 'spread', 'node CPU/job', 'vs off'], rows));
    for (const problem of cell.problems) console.log(`  CHECK FAILED: ${problem}`);
  }
  return verdicts;
}
