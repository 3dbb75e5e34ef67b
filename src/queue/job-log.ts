import type { Job } from 'bullmq';
import type { AttemptRecord } from '../core/attempt.js';
import type { EventBus } from '../core/event-bus.js';
import type { EngineEvent } from '../core/events.js';
import { groupBy } from '../core/group-by.js';
import type { Logger } from '../core/logger.js';
import { BatchedWrites } from '../redis/batched-writes.js';
import { type LuaArg, luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';

/** What a job's log needs of a job: where BullMQ keeps it (`<prefix>:<queue>:<id>:logs`). */
export type LoggedJob = Pick<Job, 'id' | 'queueQualifiedName'>;

/** A run with more lines than this (a chain of hundreds of retries) keeps its first ones. */
const MAX_LINES = 500;

/**
 * Appends to the logs of a batch of jobs of one queue, each only while its job exists, so a late
 * append never leaves an orphan log. One call for the batch: a script call per job cost a worker
 * more CPU in ioredis than the lines themselves. KEYS: job, logs, job, logs, ... ARGV: for each
 * job, its number of lines, then the lines.
 */
const APPEND_IF_JOBS = `
local at = 1
local written = 0
for i = 1, #KEYS, 2 do
  local n = tonumber(ARGV[at])
  if n > 0 and redis.call("EXISTS", KEYS[i]) == 1 then
    redis.call("RPUSH", KEYS[i + 1], unpack(ARGV, at + 1, at + n))
    written = written + 1
  end
  at = at + n + 1
end
return written
`;

// No fixed number of keys: the call says how many (two per job of the batch). Applied once: a
// batch sent again after a lost reply would write its lines twice.
const appendIfJobs = luaCommand<number>('backstopAppendJobLogs', APPEND_IF_JOBS, { once: true });

/**
 * Job logs are written in batches: one script call per queue (one socket write) for every job that
 * ended within this long, or as soon as this many are waiting. A socket write costs a worker more CPU than the
 * rest of a job's handling here; one per job cost a third of its throughput (bench:queue).
 */
const BATCH = { flushMs: 25, maxBatch: 64 };

/** Lines of one ended job, waiting for the next flush. */
type PendingLog = { job: LoggedJob; lines: string[] };

/**
 * Writes the story of each running job to its log (BullMQ's job log, Bull Board's Logs tab): when
 * it started and how late, each attempt with its verdict, each skip, failover and ambiguous call,
 * and how the run ended. Lines name codes and statuses, never messages, inputs or results, so no
 * secret can reach them. They are gathered while the job runs and appended when it ends, batched
 * with other jobs' (at most 25 ms later), not awaited by the job.
 */
export class JobLogs {
  private readonly running = new Map<string, string[]>();
  private readonly offs: (() => void)[];
  private readonly writes: BatchedWrites<PendingLog>;

  constructor(
    events: EventBus,
    private readonly redis: RedisClient,
    logger: Logger,
  ) {
    this.writes = new BatchedWrites((batch) => this.writeByQueue(batch), BATCH, {
      logger,
      code: 'BACKSTOP_JOB_LOG_FAILED',
      message: 'could not write to job logs',
    });
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

  /** Stops following runs and writes what is still waiting. */
  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.running.clear();
    await this.writes.flush();
  }

  private append(job: LoggedJob, lines: string[]): void {
    this.writes.add({ job, lines });
  }

  /**
   * One call per queue: each queue's keys share a slot, and a script's keys must not cross slots
   * on a Cluster (named queues sit under hash tags of their own).
   */
  private async writeByQueue(batch: PendingLog[]): Promise<void> {
    const byQueue = groupBy(batch, (entry) => entry.job.queueQualifiedName);
    await Promise.all([...byQueue.values()].map((entries) => this.write(entries)));
  }

  private async write(entries: PendingLog[]): Promise<void> {
    const keys: string[] = [];
    const args: LuaArg[] = [];
    for (const { job, lines } of entries) {
      const jobKey = `${job.queueQualifiedName}:${job.id}`;
      keys.push(jobKey, `${jobKey}:logs`);
      args.push(lines.length);
      for (const line of lines) args.push(line);
    }
    await appendIfJobs(this.redis, keys, args);
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
