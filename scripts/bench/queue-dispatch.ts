import type { Redis } from 'ioredis';
import { type Mode, opsPerSecond, runTimes } from './measure.js';
import { type CpuCost, countCommands, startCpuMeter } from './queue-cost.js';
import type { BenchEnv } from './queue-env.js';
import { backstopSide, FORM_LABELS, FORMS, INPUT, RAW, rawData, rawSide, TAG } from './queue-sides.js';

/**
 * Dispatch throughput: jobs queued per second by `fallback.dispatch` / `dispatchBulk` against raw
 * `queue.add` / `addBulk`, each side on a fresh prefix of the same Redis, rounds in rotating order.
 * Then, per side, a short pass under MONITOR counts the commands each job sends Redis.
 */
export type DispatchKind = 'sequential' | 'parallel' | 'bulk';

export interface DispatchPlan {
  parallel: number;
  bulkSize: number;
  warmupMs: number;
  roundMs: number;
  rounds: number;
  /** Jobs queued under MONITOR per side, to count commands per job. */
  countJobs: number;
}

/** What one side did in a cell: jobs/s and CPU per job of every round, commands per job. */
export interface SideResult {
  rates: number[];
  cpu: CpuCost[];
  commands?: Map<string, number> | undefined;
  commandJobs: number;
}

export interface DispatchCell {
  kind: DispatchKind;
  label: string;
  sides: Record<string, SideResult>;
}

interface Subject {
  name: string;
  prefix: string;
  op: () => Promise<unknown>;
  jobsPerOp: number;
  close(): Promise<void>;
}

export function dispatchLabel(kind: DispatchKind, plan: DispatchPlan): string {
  if (kind === 'sequential') return 'single, sequential';
  if (kind === 'parallel') return `single, ${plan.parallel} in flight`;
  return `bulk of ${plan.bulkSize}, sequential`;
}

export function describeDispatch(plan: DispatchPlan): string[] {
  return [
    `raw bullmq: queue.add(tag, data) / ${plan.parallel} lanes of it / queue.addBulk(${plan.bulkSize} x { name, data }) on a`,
    '  Queue with defaultJobOptions = Backstop defaultJobOptions (attempts 5, exponential backoff 1 s,',
    '  removeOnComplete {24 h, 10k}, removeOnFail {7 d, 50k}); data = the JobData shape Backstop',
    '  stores (v, product, tag, env, input, idempotencyKey = randomUUID(), dispatchedAt, runAt). No checks.',
    `backstop: fallback.dispatch({ tag, input }) / dispatchBulk(${plan.bulkSize} x { tag, input }): zod-parses the`,
    '  params, resolves the chain (code-first: a Map lookup; stored: HGET version, compiled chain cached),',
    '  validates input against the definition, resolves the schedule, builds the same data, then queue.add /',
    '  addBulk on the same kind of Queue (sharing the store connection), and returns a JobHandle.',
  ];
}

async function makeSubjects(env: BenchEnv, kind: DispatchKind, plan: DispatchPlan): Promise<Subject[]> {
  const url = env.main.url;
  const bulk = plan.bulkSize;
  const jobsPerOp = kind === 'bulk' ? bulk : 1;
  const rawPrefix = env.prefix();
  const raw = rawSide(url, rawPrefix);
  const subjects: Subject[] = [
    {
      name: RAW,
      prefix: rawPrefix,
      op:
        kind === 'bulk'
          ? () => raw.queue.addBulk(Array.from({ length: bulk }, () => ({ name: TAG, data: rawData() })))
          : () => raw.queue.add(TAG, rawData()),
      jobsPerOp,
      close: () => raw.close(),
    },
  ];
  for (const form of FORMS) {
    const prefix = env.prefix();
    const side = await backstopSide(url, prefix, form);
    const { fallback } = side.backstop;
    subjects.push({
      name: FORM_LABELS[form],
      prefix,
      op:
        kind === 'bulk'
          ? () =>
              fallback.dispatchBulk(Array.from({ length: bulk }, () => ({ tag: TAG, input: { ...INPUT } })))
          : () => fallback.dispatch({ tag: TAG, input: { ...INPUT } }),
      jobsPerOp,
      close: () => side.close(),
    });
  }
  return subjects;
}

async function round(subject: Subject, mode: Mode, plan: DispatchPlan, stats: Redis) {
  const meter = await startCpuMeter(stats);
  const started = performance.now();
  const rate = (await opsPerSecond(subject.op, mode, plan.roundMs)) * subject.jobsPerOp;
  const jobs = (rate * (performance.now() - started)) / 1000;
  const cpu = await meter.stop();
  return { rate, cpu: { nodeUs: cpu.nodeUs / jobs, redisUs: cpu.redisUs / jobs } };
}

export async function measureDispatch(
  env: BenchEnv,
  stats: Redis,
  kind: DispatchKind,
  plan: DispatchPlan,
): Promise<DispatchCell> {
  const subjects = await makeSubjects(env, kind, plan);
  const mode: Mode =
    kind === 'parallel' ? { kind: 'concurrent', concurrency: plan.parallel } : { kind: 'sequential' };
  const sides: Record<string, SideResult> = Object.fromEntries(
    subjects.map((s) => [s.name, { rates: [], cpu: [], commandJobs: 0 }]),
  );
  try {
    for (const subject of subjects) await opsPerSecond(subject.op, mode, plan.warmupMs);
    for (let r = 0; r < plan.rounds; r++) {
      // Rotate who goes first, so no side always runs right after another's garbage.
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(r + i) % subjects.length]!;
        const result = await round(subject, mode, plan, stats);
        sides[subject.name]!.rates.push(result.rate);
        sides[subject.name]!.cpu.push(result.cpu);
      }
    }
    if (kind !== 'parallel') {
      for (const subject of subjects) {
        const ops = Math.max(1, Math.round(plan.countJobs / subject.jobsPerOp));
        const side = sides[subject.name]!;
        side.commands = await countCommands(env.main.url, () => runTimes(subject.op, ops, 1));
        side.commandJobs = ops * subject.jobsPerOp;
      }
    }
  } finally {
    for (const subject of subjects.reverse()) {
      await subject.close();
      await env.drop(subject.prefix);
    }
  }
  return { kind, label: dispatchLabel(kind, plan), sides };
}
