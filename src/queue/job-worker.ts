import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Job, Telemetry, Worker } from 'bullmq';
import { ErrorCodes } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { ValidationError } from '../core/validation-error.js';
import type { RedisClient } from '../redis/redis-client.js';
import { codeOf } from '../redis/redis-errors.js';
import { guardWorker, type WorkerGuard } from '../redis/worker-guard.js';
import { redactor } from '../security/redactor.js';
import type { JobResult } from './job-data.js';
import { JobFence } from './job-fence.js';
import { jobProcessor, type LifecycleDeps } from './job-lifecycle.js';
import { JobLogs } from './job-log.js';
import type { JobRetention } from './job-options.js';
import { LeanWorker } from './lean-queue.js';
import type { StoredJobData } from './stored-job-data.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';

export interface WorkerOptions {
  /** Jobs run at once by this worker. Provider calls wait on the network, so more than one. */
  concurrency?: number;
  /** On close, how long running jobs may finish before their chains are aborted. */
  shutdownGraceMs?: number;
  /** How long a job's lock lasts without renewal: a killed worker's jobs return after about this long. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (of workers that died). */
  stalledIntervalMs?: number;
  /**
   * How many times a job may lose its worker (a crash, an OOM kill, a lost lock) and still run
   * again; one more and BullMQ fails it ("job stalled more than allowable limit").
   */
  maxStalled?: number;
  /** Write each job's attempts, skips and failovers to its log (Bull Board's Logs tab); default true. */
  jobLogs?: boolean;
}

/** What the worker gets besides its options: BullMQ telemetry when tracing is on. */
export interface WorkerTelemetry {
  telemetry?: Telemetry | undefined;
}

/**
 * A dead worker's job comes back once its lock has expired (`lockDurationMs` after the last
 * renewal, which BullMQ makes every quarter of it) and a stalled check has seen it twice: with a
 * check every 5 s, within about one lock period (measured: README, "Delivery guarantees").
 * BullMQ's own defaults (check every 30 s, one stall allowed) took about 60 s and failed a job
 * whose worker died twice.
 */
export const WORKER_DEFAULTS = {
  concurrency: 10,
  shutdownGraceMs: 30_000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 5_000,
  maxStalled: 10,
};

/** A running worker of dispatched jobs. `close()` is graceful first, forceful after the grace. */
/** Which named queues a worker takes, and where each one's keys live. */
export interface WorkerQueues {
  /** The queues to take at start (read after `watch` is listening, so none is missed between). */
  list(): Promise<string[]>;
  prefixOf(name: string): Promise<string>;
  /** Taking every queue: calls `add` with each queue used for the first time later; returns how to stop. */
  watch?: (add: (name: string) => void) => Promise<() => Promise<void>>;
}

/** One BullMQ Worker per named queue, under one shutdown, heartbeat and connection. */
export class JobWorker {
  private closing: Promise<void> | undefined;
  private readonly workers = new Map<
    string,
    Promise<{ worker: Worker<StoredJobData, JobResult>; guard: WorkerGuard }>
  >();
  private stopWatching: (() => Promise<void>) | undefined;

  constructor(
    private readonly make: (
      name: string,
    ) => Promise<{ worker: Worker<StoredJobData, JobResult>; guard: WorkerGuard }>,
    private readonly shutdown: AbortController,
    private readonly connection: RedisClient,
    private readonly graceMs: number,
    private readonly logger: Logger,
    private readonly heartbeat: WorkerHeartbeat,
    private readonly jobLogs: JobLogs | undefined,
  ) {}

  /** Starts taking jobs from `name` (once). */
  take(name: string): Promise<void> {
    if (this.closing) return Promise.resolve();
    let started = this.workers.get(name);
    if (!started) {
      started = this.make(name);
      this.workers.set(name, started);
      this.logger.info({ queue: name }, 'taking jobs from queue');
    }
    return started.then(() => undefined);
  }

  /** The queues this worker takes jobs from. */
  get queues(): string[] {
    return [...this.workers.keys()].sort();
  }

  watching(stop: () => Promise<void>): void {
    this.stopWatching = stop;
  }

  /**
   * Stops taking jobs and lets running ones finish; after the grace, aborts their chains (each job
   * records how far it got and is re-run later, resuming there). BullMQ's own close waits forever.
   */
  close(graceMs = this.graceMs): Promise<void> {
    this.closing ??= (async () => {
      const timer = setTimeout(() => {
        this.logger.warn({ graceMs }, 'shutdown grace over: aborting running jobs');
        this.shutdown.abort(new Error('worker shutting down'));
      }, graceMs);
      try {
        await this.stopWatching?.();
        const all = await Promise.all([...this.workers.values()].map((w) => w.catch(() => undefined)));
        for (const w of all) w?.guard.stop();
        await Promise.all(all.map((w) => w?.worker.close()));
        await this.heartbeat.stop();
      } finally {
        // The last job logs, unless Redis does not answer: closing never waits long on them.
        if (this.jobLogs) await Promise.race([this.jobLogs.stop(), delay(1_000, undefined, { ref: false })]);
        clearTimeout(timer);
        this.connection.disconnect();
      }
    })();
    return this.closing;
  }

  /** Alive: each worker running, or waiting for a full Redis to take writes again (worker-guard.ts). */
  get running(): boolean {
    return this.live.every(({ worker, guard }) => worker.isRunning() || guard.backingOff);
  }

  private live: { worker: Worker<StoredJobData, JobResult>; guard: WorkerGuard }[] = [];

  /** Records a started worker for `running` (the map holds promises). */
  started(entry: { worker: Worker<StoredJobData, JobResult>; guard: WorkerGuard }): void {
    this.live.push(entry);
  }
}

export async function startJobWorker(
  deps: Omit<LifecycleDeps, 'shutdown' | 'fence' | 'jobLogs' | 'events'> & { events?: EventBus },
  connection: RedisClient,
  queues: WorkerQueues,
  heartbeatKey: string,
  retention: JobRetention,
  options: WorkerOptions = {},
  { telemetry }: WorkerTelemetry = {},
): Promise<JobWorker> {
  const { jobLogs: logJobs = true, ...workerOptions } = options;
  const settings = { ...WORKER_DEFAULTS, ...definedOnly(workerOptions) };
  for (const [field, value] of Object.entries(settings)) {
    if (
      field === 'maxStalled' ? !Number.isInteger(value) || value < 0 : !Number.isInteger(value) || value <= 0
    )
      throw ValidationError.field(
        field,
        field === 'maxStalled' ? 'expected a whole number, 0 or more' : 'expected a positive whole number',
      );
  }
  const shutdown = new AbortController();
  // Every attempt in flight listens on it (and stops when it ends): as many listeners as attempts
  // at once, not a leak; Node's default of ten would warn as soon as eleven run.
  setMaxListeners(0, shutdown.signal);
  const logger = deps.logger.child({ component: 'job-worker' });
  const jobLogs = logJobs && deps.events ? new JobLogs(deps.events, connection, logger) : undefined;
  const processor = redacting(
    jobProcessor({ ...deps, logger, shutdown: shutdown.signal, fence: new JobFence(connection), jobLogs }),
  );
  const heartbeat = new WorkerHeartbeat(
    connection,
    heartbeatKey,
    WorkerHeartbeat.idFor(randomUUID()),
    logger,
  );
  let handle: JobWorker | undefined;
  const make = async (name: string) => {
    const worker = new LeanWorker<StoredJobData, JobResult, string>(name, processor, {
      connection,
      prefix: await queues.prefixOf(name),
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalled,
      removeOnComplete: { age: retention.completedAge, count: retention.completedCount },
      removeOnFail: { age: retention.failedAge, count: retention.failedCount },
      autorun: true,
      ...(telemetry ? { telemetry } : {}),
    });
    // Without a listener an 'error' event would crash the process; BullMQ reconnects by itself.
    const guard = guardWorker(worker, logger.child({ queue: name }), 'worker error');
    await worker.waitUntilReady();
    const entry = { worker, guard };
    handle?.started(entry);
    return entry;
  };
  handle = new JobWorker(make, shutdown, connection, settings.shutdownGraceMs, logger, heartbeat, jobLogs);
  const worker = handle;
  if (queues.watch) {
    worker.watching(
      await queues.watch((name) =>
        worker.take(name).catch((error) => {
          const code = codeOf(error, ErrorCodes.WORKER_FAILED);
          logger.error({ code, err: error, queue: name }, 'cannot take queue');
        }),
      ),
    );
  }
  await Promise.all((await queues.list()).map((name) => worker.take(name)));
  await heartbeat.start();
  return worker;
}

/**
 * What a job returns and how it fails (its return value, failure message and stack) scrubbed of
 * every secret value first: a provider that echoed a request back must not leave a key where Bull
 * Board and `jobs.get` show it. Job data is scrubbed where it is written (JobFence).
 */
function redacting(
  processor: (job: Job<StoredJobData, JobResult>, token?: string) => Promise<JobResult>,
): (job: Job<StoredJobData, JobResult>, token?: string) => Promise<JobResult> {
  // Two parameters, as the processor's: the token is the job's lock, which fenced writes check.
  return async (job, token) => {
    try {
      return redactor.scrubValue(await processor(job, token));
    } catch (error) {
      throw redactor.scrubError(error);
    }
  };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
