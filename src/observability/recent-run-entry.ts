import type { AttemptRecord } from '../core/attempt.js';
import type { RunEndedEvent } from '../core/events.js';

/** A run's attempts kept for its timeline; a run with more (hundreds of retries) keeps its first ones. */
export const MAX_TIMELINE = 20;
/** Names (tags, providers, codes, ids) are cut to this length, so an entry stays small whatever it is fed. */
const MAX_NAME = 128;

/** One line of a run's attempt timeline: names, numbers and codes only, never a message, input or result. */
export interface RecentAttempt {
  provider: string;
  /** 1-based per provider; 0 when the provider was skipped. */
  attempt: number;
  outcome: AttemptRecord['outcome'];
  durationMs: number;
  /** How a failure was classified: `retry`, `ambiguous`, `failover`, `stop`. */
  verdict?: string;
  /** The failure's `BACKSTOP_` code. */
  code?: string;
  /** The provider's HTTP status, when it answered with one. */
  status?: number;
  /** Why a provider was not called (`unhealthy`, `deadline`). */
  skipped?: string;
}

/** A finished top-level run as the runs view shows it. */
export interface RecentRun {
  runId: string;
  /** `sync`: run in the caller's process (library or HTTP); `job`: a dispatched job run by a worker. */
  kind: 'sync' | 'job';
  /** The job's id, for a dispatched run (its run id too). */
  jobId?: string;
  /** The named queue the job was in, for a dispatched run. */
  queue?: string;
  /**
   * The run's idempotency key (a dispatch's `idempotencyKey`, else the run id): each provider saw
   * it as `<key>:<provider>`. Absent when no provider was called.
   */
  idempotencyKey?: string;
  product: string;
  env: string;
  tag: string;
  /** `success`, or the code of the run's error. */
  outcome: string;
  /** The provider that served, on success. */
  provider?: string;
  /** Provider calls made (skips and verify questions not counted). */
  attempts: number;
  durationMs: number;
  /** When the run ended (ms since the epoch). */
  at: number;
  /** For a job: its start minus its intended time. */
  lateMs?: number;
  timeline: RecentAttempt[];
  /** Attempts left out of `timeline` past MAX_TIMELINE. */
  omitted?: number;
}

/** What the runs view keeps of a run: bounded in size, and with nothing a secret could be in. */
export function recentRunOf(
  event: RunEndedEvent,
  job: { jobId: string; queue: string; lateMs: number } | undefined,
): RecentRun {
  const calls = event.attempts.filter((a) => a.outcome === 'success' || a.outcome === 'failure').length;
  const entry: RecentRun = {
    runId: name(event.run.runId),
    kind: job ? 'job' : 'sync',
    product: name(event.run.product),
    env: name(event.run.env),
    tag: name(event.run.tag),
    outcome: name(event.outcome),
    attempts: calls,
    durationMs: Math.round(event.durationMs),
    at: event.at,
    timeline: event.attempts.slice(0, MAX_TIMELINE).map(attemptOf),
  };
  if (event.provider) entry.provider = name(event.provider);
  const key = runKeyOf(event.attempts);
  if (key !== undefined) entry.idempotencyKey = name(key);
  if (job) {
    entry.jobId = name(job.jobId);
    entry.queue = name(job.queue);
    entry.lateMs = Math.round(job.lateMs);
  }
  if (event.attempts.length > MAX_TIMELINE) entry.omitted = event.attempts.length - MAX_TIMELINE;
  return entry;
}

/** The run's key, from the key its first called provider saw (`<run key>:<provider>`). */
function runKeyOf(attempts: readonly AttemptRecord[]): string | undefined {
  const called = attempts.find((a) => a.outcome !== 'skipped' && a.idempotencyKey);
  const suffix = called ? `:${called.provider}` : '';
  if (!called?.idempotencyKey.endsWith(suffix)) return undefined;
  return called.idempotencyKey.slice(0, -suffix.length);
}

function attemptOf(record: AttemptRecord): RecentAttempt {
  const line: RecentAttempt = {
    provider: name(record.provider),
    attempt: record.attempt,
    outcome: record.outcome,
    durationMs: Math.round(record.durationMs),
  };
  if (record.error) {
    line.verdict = record.error.verdict;
    line.code = name(record.error.code);
    if (record.error.status !== undefined) line.status = record.error.status;
  }
  if (record.skipped) line.skipped = record.skipped;
  return line;
}

function name(value: string): string {
  return value.length > MAX_NAME ? value.slice(0, MAX_NAME) : value;
}
