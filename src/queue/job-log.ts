import type { Job } from 'bullmq';
import type { AttemptRecord } from '../core/attempt.js';
import type { EventBus } from '../core/event-bus.js';
import type { EngineEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../redis/redis-client.js';

/** What a job's log needs of a job: where BullMQ keeps it (`<prefix>:<queue>:<id>:logs`). */
export type LoggedJob = Pick<Job, 'id' | 'queueQualifiedName'>;

/** A run with more lines than this (a chain of hundreds of retries) keeps its first ones. */
const MAX_LINES = 500;

/**
 * Writes the story of each running job to its log (BullMQ's job log, Bull Board's Logs tab): when
 * it started and how late, each attempt with its verdict, each skip, failover and ambiguous call,
 * and how the run ended. Lines name codes and statuses, never messages, inputs or results, so no
 * secret can reach them. They are gathered while the job runs and appended in one command when it
 * ends (one per line cost a quarter of a worker's throughput), not awaited by the job.
 */
export class JobLogs {
  private readonly running = new Map<string, string[]>();
  private readonly offs: (() => void)[];
  private failing = false;

  constructor(
    events: EventBus,
    private readonly redis: RedisClient,
    private readonly logger: Logger,
  ) {
    const write = (event: EngineEvent & { run: { runId: string } }) => {
      const lines = this.running.get(event.run.runId);
      if (lines && lines.length < MAX_LINES) lines.push(describe(event));
    };
    this.offs = [
      events.on('attempt.ended', write),
      events.on('provider.skipped', write),
      events.on('failover', write),
      events.on('ambiguous', write),
      events.on('run.ended', write),
    ];
  }

  /** Follows the job's run (its run id is the job id) until the returned function writes its lines. */
  follow(job: LoggedJob, lateMs: number): () => void {
    const id = job.id;
    if (id === undefined) return () => {};
    const lines = [`started ${formatMs(lateMs)} after its intended time`];
    this.running.set(id, lines);
    return () => {
      if (this.running.get(id) === lines) this.running.delete(id);
      this.append(job, lines);
    };
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    this.running.clear();
  }

  /**
   * BullMQ's addLog for many lines at once, as a plain RPUSH: it is sent before the processor
   * returns, while this worker holds the job, so the job exists (addLog's own check is not needed).
   */
  private append(job: LoggedJob, lines: string[]): void {
    this.redis.rpush(`${job.queueQualifiedName}:${job.id}:logs`, ...lines).then(
      () => {
        this.failing = false;
      },
      (error: unknown) => {
        // One line per spell of trouble (RedisClient away), not one per job.
        if (this.failing) return;
        this.failing = true;
        this.logger.warn(
          { code: 'BACKSTOP_JOB_LOG_FAILED', jobId: job.id, reason: (error as Error).message },
          'could not write to a job log',
        );
      },
    );
  }
}

/** One event as a line of the job's log. */
export function describe(event: EngineEvent): string {
  switch (event.type) {
    case 'attempt.ended':
      return describeAttempt(event.record);
    case 'provider.skipped':
      return `${event.provider}: skipped (${event.reason})`;
    case 'failover':
      return `failover ${event.from} → ${event.to} after ${event.code}`;
    case 'ambiguous':
      return `${event.provider}: may have acted (${event.code}); onAmbiguous: ${event.decision}`;
    case 'run.ended': {
      const calls = event.attempts.filter((a) => a.outcome === 'success' || a.outcome === 'failure').length;
      const tail = `after ${calls} attempt${calls === 1 ? '' : 's'} in ${formatMs(event.durationMs)}`;
      return event.provider ? `served by ${event.provider} ${tail}` : `failed: ${event.outcome} ${tail}`;
    }
    default:
      return event.type;
  }
}

function describeAttempt(a: AttemptRecord): string {
  const head = `${a.provider} attempt ${a.attempt}`;
  if (a.outcome === 'verify') return `${head}: verified with the provider: ${a.verify ?? 'unknown'}`;
  if (a.outcome === 'success') return `${head}: success in ${formatMs(a.durationMs)}`;
  const error = a.error;
  const status = error?.status === undefined ? '' : ` (${error.status})`;
  const verdict = error ? `: ${error.verdict}` : '';
  return `${head}: failure ${error?.code ?? ''}${status} in ${formatMs(a.durationMs)}${verdict}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
