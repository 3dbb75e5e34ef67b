import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from '../../src/queue/job-data.js';
import { DEFAULT_RETENTION } from '../../src/queue/job-options.js';
import { countCommands, startCpuMeter } from './queue-cost.js';
import type { SideResult } from './queue-dispatch.js';
import type { BenchEnv } from './queue-env.js';
import {
  BY_HAND,
  backstopSide,
  backstopWorker,
  byHandProcessor,
  type ChainForm,
  FORM_LABELS,
  jobKeyBase,
  prequeueBackstop,
  prequeueRaw,
  RAW,
  rawSide,
  rawWorker,
} from './queue-sides.js';

/**
 * Worker throughput: K jobs are queued first, then one worker drains them. Jobs/s is measured from
 * the first completion to the last, from the `completed` sorted set (scored by each job's
 * finishedOn), the same way for both sides; a 20 ms poll of ZCARD detects the end.
 */
export type WorkerScenario = 'primary-ok' | 'primary-fails';

export interface WorkerPlan {
  jobs: number;
  concurrency: number;
  rounds: number;
  /** Per drain; a drain that does not finish in time is reported, not waited for. */
  timeoutMs: number;
  /** Jobs drained under MONITOR per side, to count commands per job. */
  countJobs: number;
}

export interface WorkerCell {
  scenario: WorkerScenario;
  sides: Record<string, SideResult>;
  /** Drains that did not measure the path they should (wrong provider, failures, timeout). */
  problems: string[];
}

export const SCENARIO_TITLES: Record<WorkerScenario, string> = {
  'primary-ok': '(a) primary succeeds',
  'primary-fails': '(b) primary fails, fallback serves',
};

export function describeWorker(plan: WorkerPlan): string[] {
  return [
    `raw bullmq: new Worker(queue, async () => {}, { concurrency: ${plan.concurrency}, lockDuration 30 s,`,
    '  stalledInterval 30 s, Backstop retention }) draining raw jobs of the same data; nothing else.',
    `${BY_HAND}: the same worker, whose processor does what the chain does by hand: calls the primary,`,
    '  on its ProviderError the fallback, and returns a result of the shape and size Backstop returns.',
    `backstop: backstop.worker({ concurrency: ${plan.concurrency} }) draining fallback.dispatchBulk jobs. Per job: checks`,
    '  the job data, resolves the chain (stored: HGET), runs it (attempt records, a 30 s timer per attempt,',
    '  health, metrics, job logs, the runs view), returns { runId, provider, result, attempts }. In (b)',
    '  the primary throws ProviderError(retryable: false); before calling the fallback the processor saves',
    '  its progress in a fenced write (one script call for the jobs failing over in the same tick).',
  ];
}

/** One side of a worker measurement: a queue to fill, a worker to drain it, a check of what it did. */
export interface Drainable {
  name: string;
  prefix: string;
  prequeue(count: number): Promise<void>;
  start(): Promise<{ close(): Promise<void> }>;
  /** After the worker closed: a problem when the drain did not walk the path it should. */
  check(count: number): string | undefined | Promise<string | undefined>;
  close(): Promise<void>;
}

async function backstopDrainable(
  env: BenchEnv,
  form: ChainForm,
  scenario: WorkerScenario,
  concurrency: number,
): Promise<Drainable> {
  const prefix = env.prefix();
  const side = await backstopSide(env.main.url, prefix, form, { primaryFails: scenario === 'primary-fails' });
  return {
    name: FORM_LABELS[form],
    prefix,
    prequeue: (count) => prequeueBackstop(side.backstop, count),
    start: () => backstopWorker(side, concurrency),
    check(count) {
      const want = { primary: count, fallback: scenario === 'primary-fails' ? count : 0 };
      const { primary, fallback } = side.calls;
      if (primary === want.primary && fallback === want.fallback) return undefined;
      return `provider calls a x${primary}, b x${fallback}; expected a x${want.primary}, b x${want.fallback}`;
    },
    close: () => side.close(),
  };
}

/** Raw BullMQ: a processor doing nothing, or (`byHand`) one doing by hand what the chain does. */
function rawDrainable(
  env: BenchEnv,
  concurrency: number,
  byHand?: (job: Job<JobData>) => Promise<unknown>,
): Drainable {
  const prefix = env.prefix();
  const side = rawSide(env.main.url, prefix);
  let processed = 0;
  return {
    name: byHand ? BY_HAND : RAW,
    prefix,
    prequeue: (count) => prequeueRaw(side.queue, count),
    async start() {
      const handle = rawWorker(env.main.url, prefix, concurrency, async (job) => {
        processed++;
        return byHand?.(job);
      });
      await handle.worker.waitUntilReady();
      return handle;
    },
    check: (count) => (processed === count ? undefined : `processed ${processed} of ${count}`),
    close: () => side.close(),
  };
}

export interface Drain {
  rate: number;
  nodeUs: number;
  redisUs: number;
  problem: string | undefined;
}

/** Starts the worker on `jobs` queued jobs and waits until all are completed or failed; CPU metered from the start. */
export async function drain(
  subject: Drainable,
  stats: Redis,
  jobs: number,
  timeoutMs: number,
): Promise<Drain> {
  const base = await jobKeyBase(stats, subject.prefix);
  const key = (set: string) => `${base}:${set}`;
  const meter = await startCpuMeter(stats);
  const worker = await subject.start();
  const deadline = performance.now() + timeoutMs;
  let completed = 0;
  let failed = 0;
  try {
    while (completed + failed < jobs && performance.now() < deadline) {
      await sleep(20);
      [completed, failed] = await Promise.all([stats.zcard(key('completed')), stats.zcard(key('failed'))]);
    }
  } finally {
    await worker.close();
  }
  const cpu = await meter.stop();
  const first = await stats.zrange(key('completed'), '0', '0', 'WITHSCORES');
  const last = await stats.zrange(key('completed'), '-1', '-1', 'WITHSCORES');
  const spanMs = Number(last[1]) - Number(first[1]);
  const problems = [
    completed + failed < jobs ? `timed out after ${timeoutMs} ms` : undefined,
    failed > 0 ? `${failed} jobs failed` : undefined,
    await subject.check(jobs),
  ].filter(Boolean);
  return {
    rate: spanMs > 0 ? ((completed - 1) * 1000) / spanMs : 0,
    nodeUs: cpu.nodeUs / jobs,
    redisUs: cpu.redisUs / jobs,
    problem: problems.length > 0 ? problems.join('; ') : undefined,
  };
}

export async function measureWorker(
  env: BenchEnv,
  stats: Redis,
  scenario: WorkerScenario,
  plan: WorkerPlan,
): Promise<WorkerCell> {
  // A drain ends when the completed set holds every job; the retention trims it past this count.
  if (plan.jobs > DEFAULT_RETENTION.completedCount)
    throw new Error(
      `a drain of ${plan.jobs} jobs would never end: jobs kept completed ≤ ${DEFAULT_RETENTION.completedCount}`,
    );
  const makers: (() => Promise<Drainable>)[] = [
    async () => rawDrainable(env, plan.concurrency),
    async () => rawDrainable(env, plan.concurrency, byHandProcessor(scenario === 'primary-fails')),
    () => backstopDrainable(env, 'code', scenario, plan.concurrency),
    () => backstopDrainable(env, 'stored', scenario, plan.concurrency),
  ];
  const sides: Record<string, SideResult> = {};
  const problems: string[] = [];
  const once = async (maker: () => Promise<Drainable>, use: (s: Drainable) => Promise<void>) => {
    // A fresh prefix (and a fresh Backstop) per drain: every drain starts from an empty queue.
    const subject = await maker();
    try {
      await use(subject);
    } finally {
      await subject.close();
      await env.drop(subject.prefix);
    }
  };
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < makers.length; i++) {
      await once(makers[(round + i) % makers.length]!, async (subject) => {
        await subject.prequeue(plan.jobs);
        const result = await drain(subject, stats, plan.jobs, plan.timeoutMs);
        const side = sides[subject.name] ?? { rates: [], cpu: [], commandJobs: 0 };
        sides[subject.name] = side;
        side.rates.push(result.rate);
        side.cpu.push({ nodeUs: result.nodeUs, redisUs: result.redisUs });
        if (result.problem) problems.push(`${subject.name}, drain ${round + 1}: ${result.problem}`);
      });
    }
  }
  for (const maker of makers) {
    await once(maker, async (subject) => {
      const side = sides[subject.name]!;
      await subject.prequeue(plan.countJobs);
      side.commands = await countCommands(env.main.url, async () => {
        const result = await drain(subject, stats, plan.countJobs, plan.timeoutMs);
        if (result.problem) problems.push(`${subject.name}, MONITOR pass: ${result.problem}`);
      });
      side.commandJobs = plan.countJobs;
    });
  }
  return { scenario, sides, problems };
}
