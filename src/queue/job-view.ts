import type { Job } from 'bullmq';
import type { CacheInfo } from '../cache/cached-run.js';
import type { AttemptRecord } from '../core/attempt.js';
import { ErrorCodes } from '../core/errors.js';
import type { StepRecord } from '../core/feature/step-record.js';
import type {
  BatchJobResult,
  FallbackJobResult,
  FeatureJobResult,
  JobData,
  JobKind,
  JobResult,
} from './job-data.js';
import { jobDataOf, type StoredJobData } from './stored-job-data.js';

/** What `jobs.get` returns: where the job is, and how its chain went. */
export interface JobView {
  id: string;
  tag: string;
  product: string;
  env: string;
  state: string;
  runAt: string;
  dispatchedAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  /** `{ provider, ...output }` once completed. */
  result?: Record<string, unknown> | undefined;
  provider?: string | undefined;
  /** `fallback` or `feature` (`features.dispatch`). */
  /** What the job runs: a fallback, a quota, a batch of items through a fallback, or a feature. */
  kind: JobKind;
  /** A feature job: its output once completed. */
  output?: unknown;
  /** A feature job: every step so far (completed, or up to the failed one). */
  steps?: StepRecord[] | undefined;
  /** Whether the result came from the job's result cache. */
  cache?: CacheInfo | undefined;
  error?: { code: string; message: string } | undefined;
  /** Every attempt, across re-runs of the job. */
  attempts: AttemptRecord[];
  /** How many times a worker started the job (more than 1 after a crash or a shutdown). */
  runs: number;
}

export function viewOf(job: Job<StoredJobData, JobResult>, state: string): JobView {
  const data = jobDataOf(job);
  if (data.kind === 'feature') return featureViewOf(job as Job<StoredJobData, FeatureJobResult>, data, state);
  const returned = (job.returnvalue ?? undefined) as FallbackJobResult | undefined;
  const view: JobView = {
    id: job.id!,
    tag: data.tag,
    product: data.product,
    env: data.env,
    kind: data.kind ?? 'fallback',
    state,
    runAt: iso(data.runAt)!,
    dispatchedAt: iso(data.dispatchedAt)!,
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    attempts: returned?.attempts ?? data.progress?.attempts ?? [],
    runs: job.attemptsStarted ?? job.attemptsMade,
  };
  if (returned && data.kind === 'batch') {
    const batch = returned as unknown as BatchJobResult;
    view.result = { items: batch.items, calls: batch.calls };
  } else if (returned) {
    view.result = returned.result;
    view.provider = returned.provider;
    if (returned.cache) view.cache = returned.cache;
  }
  if (state === 'failed') view.error = errorOf(job, data);
  return view;
}

function featureViewOf(job: Job<StoredJobData, FeatureJobResult>, data: JobData, state: string): JobView {
  const returned = job.returnvalue ?? undefined;
  const steps = returned?.steps ?? data.steps ?? [];
  const view: JobView = {
    id: job.id!,
    tag: data.tag,
    product: data.product,
    env: data.env,
    kind: 'feature',
    state,
    runAt: iso(data.runAt)!,
    dispatchedAt: iso(data.dispatchedAt)!,
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    attempts: steps.flatMap((s) => [...s.attempts]),
    steps,
    runs: job.attemptsStarted ?? job.attemptsMade,
  };
  if (returned) view.output = returned.output;
  if (state === 'failed') view.error = errorOf(job, data);
  return view;
}

function errorOf(job: Job<StoredJobData, unknown>, data: JobData): { code: string; message: string } {
  return data.failure ?? { code: ErrorCodes.WORKER_FAILED, message: job.failedReason ?? 'failed' };
}

function iso(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}
