import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  backstopSide,
  backstopWorker,
  type ChainForm,
  INPUT,
  jobKeyBase,
  rawData,
  rawSide,
  rawWorker,
  TAG,
} from './queue-sides.js';

/**
 * Lateness of delayed jobs: `jobs` jobs are due at instants spread evenly over `spreadMs`, starting
 * `leadMs` after the first dispatch (so all are queued before they are due); one idle worker runs
 * them. Lateness = Date.now() when the job starts minus the time it was meant to run: `data.runAt`
 * (Backstop, from the dispatch's `schedule.at`) or the timestamp put in the raw job's data.
 * A small warm-up batch goes through the same worker first and is not counted.
 */
export interface LatenessPlan {
  jobs: number;
  spreadMs: number;
  leadMs: number;
  chunk: number;
  concurrency: number;
  warmupJobs: number;
}

export interface LatenessRun {
  /** Lateness at the start: Backstop's first provider call / the raw processor's first line. */
  lateness: number[];
  /** Lateness of BullMQ's `processedOn` (when the worker took the job), for both sides. */
  takenLateness: number[];
  /**
   * When BullMQ will make the job due (its `timestamp` + `delay`) minus the intended time: how late
   * the producer scheduled it, before Redis's hz or the worker play any part.
   */
  dueSkew: number[];
  /** Jobs whose `at` had already passed when they were dispatched (their runAt is not the plan's). */
  pastAtDispatch: number;
  problem?: string | undefined;
}

export function describeLateness(): string[] {
  return [
    'Jobs due at evenly spread instants, dispatched in bulks ahead of time; one idle worker runs them.',
    '  backstop: dispatchBulk({ tag, input, schedule: { at } }), stored or code-first chain; start = the',
    '    primary handler is entered; lateness = start - data.runAt (= at).',
    '  raw bullmq: addBulk({ data: { ..., runAt: at }, opts: { delay: at - Date.now() } }); start = the',
    '    processor is entered; lateness = start - data.runAt.',
    '  "taken" = BullMQ processedOn - runAt: when the worker moved the job to active.',
    '  "due skew" = BullMQ timestamp + delay - runAt: how late the producer told BullMQ to run the job.',
  ];
}

type Dispatch = (times: number[]) => Promise<{ ids: string[]; runAts: number[] }>;

interface Batch {
  jobs: number;
  spreadMs: number;
}

async function runBatch(
  prefix: string,
  plan: LatenessPlan,
  batch: Batch,
  dispatch: Dispatch,
  starts: Map<string, number>,
  observer: Redis,
): Promise<LatenessRun> {
  starts.clear();
  await sleep(200); // let the worker settle into its blocking wait
  const base = Date.now() + plan.leadMs;
  const times = Array.from(
    { length: batch.jobs },
    (_, i) => base + Math.floor((i * batch.spreadMs) / batch.jobs),
  );
  const runAtById = new Map<string, number>();
  let pastAtDispatch = 0;
  const dueSkew: number[] = [];
  for (let i = 0; i < times.length; i += plan.chunk) {
    const slice = times.slice(i, i + plan.chunk);
    const { ids, runAts } = await dispatch(slice);
    ids.forEach((id, k) => {
      runAtById.set(id, runAts[k]!);
      if (runAts[k] !== slice[k]) pastAtDispatch++;
    });
    // Read now: BullMQ zeroes `delay` when it promotes the job.
    const due = observer.pipeline();
    const jobBase = await jobKeyBase(observer, prefix);
    for (const id of ids) due.hmget(`${jobBase}:${id}`, 'timestamp', 'delay');
    ((await due.exec()) ?? []).forEach(([, value], k) => {
      const [timestamp = 0, delay = 0] = (value as (string | null)[]).map(Number);
      if (timestamp > 0) dueSkew.push(timestamp + delay - runAts[k]!);
    });
  }
  const deadline = base + batch.spreadMs + 15_000;
  while (starts.size < batch.jobs && Date.now() < deadline) await sleep(25);
  await sleep(50); // let the last jobs finish
  const ids = [...runAtById.keys()];
  const lateness = ids.flatMap((id) => {
    const start = starts.get(id);
    return start === undefined ? [] : [start - runAtById.get(id)!];
  });
  const pipeline = observer.pipeline();
  const jobBase = await jobKeyBase(observer, prefix);
  for (const id of ids) pipeline.hget(`${jobBase}:${id}`, 'processedOn');
  const taken = ((await pipeline.exec()) ?? []).map(([, v]) => Number(v));
  const takenLateness = ids.flatMap((id, k) =>
    Number.isFinite(taken[k]) && taken[k]! > 0 ? [taken[k]! - runAtById.get(id)!] : [],
  );
  const problem = starts.size < batch.jobs ? `only ${starts.size} of ${batch.jobs} jobs started` : undefined;
  return { lateness, takenLateness, dueSkew, pastAtDispatch, problem };
}

async function warmThenMeasure(
  prefix: string,
  plan: LatenessPlan,
  dispatch: Dispatch,
  starts: Map<string, number>,
  observer: Redis,
): Promise<LatenessRun> {
  const warmup = {
    jobs: plan.warmupJobs,
    spreadMs: Math.max(100, (plan.spreadMs * plan.warmupJobs) / plan.jobs),
  };
  await runBatch(prefix, { ...plan, leadMs: 300 }, warmup, dispatch, starts, observer);
  return runBatch(prefix, plan, { jobs: plan.jobs, spreadMs: plan.spreadMs }, dispatch, starts, observer);
}

export async function backstopLateness(
  url: string,
  prefix: string,
  plan: LatenessPlan,
  form: ChainForm = 'stored',
): Promise<LatenessRun> {
  const starts = new Map<string, number>();
  const onStart = (id: string) => {
    if (!starts.has(id)) starts.set(id, Date.now());
  };
  const side = await backstopSide(url, prefix, form, { onStart });
  const observer = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const worker = await backstopWorker(side, plan.concurrency);
    const dispatch: Dispatch = async (times) => {
      const handles = await side.backstop.fallback.dispatchBulk(
        times.map((t) => ({ tag: TAG, input: { ...INPUT }, schedule: { at: new Date(t), allowPast: true } })),
      );
      return { ids: handles.map((h) => h.id), runAts: handles.map((h) => Date.parse(h.runAt)) };
    };
    const result = await warmThenMeasure(prefix, plan, dispatch, starts, observer);
    await worker.close();
    return result;
  } finally {
    observer.disconnect();
    await side.close();
  }
}

export async function rawLateness(url: string, prefix: string, plan: LatenessPlan): Promise<LatenessRun> {
  const starts = new Map<string, number>();
  const side = rawSide(url, prefix);
  const observer = new Redis(url, { maxRetriesPerRequest: 1 });
  const worker = rawWorker(url, prefix, plan.concurrency, async (job) => {
    starts.set(job.id!, Date.now());
  });
  try {
    await worker.worker.waitUntilReady();
    const dispatch: Dispatch = async (times) => {
      const now = Date.now();
      const jobs = await side.queue.addBulk(
        times.map((t) => ({ name: TAG, data: rawData(t), opts: { delay: Math.max(0, t - now) } })),
      );
      // As Backstop's `allowPast`: an instant already gone runs now, and counts as such.
      return { ids: jobs.map((j) => j.id!), runAts: times.map((t) => Math.max(t, now)) };
    };
    return await warmThenMeasure(prefix, plan, dispatch, starts, observer);
  } finally {
    await worker.close();
    observer.disconnect();
    await side.close();
  }
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
