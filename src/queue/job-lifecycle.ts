import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import { ErrorCodes, isBackstopError } from '../core/errors.js';
import type { EngineEvents } from '../core/events.js';
import { type Logger, lazyChild } from '../core/logger.js';
import type { Claims, SealedSession } from '../core/session.js';
import { SessionInvalidError } from '../core/session-errors.js';
import { NotFoundError } from '../core/validation-error.js';
import { codeOf } from '../redis/redis-errors.js';
import { type JobData, type JobKind, type JobResult, jobDataSchema } from './job-data.js';
import { type JobFence, LockLostError } from './job-fence.js';
import type { JobLogs } from './job-log.js';
import type { JobDefinition, JobOutcome, JobStrategy } from './job-strategy.js';
import { sealedFor } from './sealed-for.js';
import { jobDataOf, type StoredJobData } from './stored-job-data.js';

export interface LifecycleDeps {
  /** One strategy per kind of job. */
  strategies: {
    fallback: JobStrategy<JobDefinition>;
    quota: JobStrategy<JobDefinition>;
    batch: JobStrategy<JobDefinition>;
    feature: JobStrategy<JobDefinition>;
  };
  /** Opens a job's sealed session token and verifies it again (it may have expired meanwhile). */
  openSession: (sealed: SealedSession, associated: string) => Promise<Claims>;
  /** What this process can say when a job names a definition it cannot find. */
  knownTags: (product: string, kind: JobKind) => Promise<string[]>;
  logger: Logger;
  /** Aborts every running job when the worker's shutdown grace has run out. */
  shutdown: AbortSignal;
  /** Job data writes made only while this worker holds the job's lock. */
  fence: JobFence;
  /** Where a job's start (and its lateness) is told; the run's own events follow from the engine. */
  events?: EngineEvents | undefined;
  /** Writes each job's story to its log (Bull Board's Logs tab); none when off. */
  jobLogs?: JobLogs | undefined;
}

/**
 * The one lifecycle of a dispatched job, whatever it runs: read the job, find its definition,
 * validate the input again if the definition changed, open its session, run it (the strategy),
 * and map how it ended to BullMQ:
 * - completed: the strategy's result is the job's return value;
 * - failed (the chain exhausted or stopped, a step failed, the definition is gone): recorded on the
 *   job, logged once, final (`UnrecoverableError`): the run had its own retries;
 * - interrupted (shutdown): back to waiting, resuming where it was with the same idempotency keys,
 *   without using up one of BullMQ's attempts (a job may see many deploys);
 * - the worker's own trouble (Redis away): an ordinary error, so BullMQ runs the job again;
 * - lock lost (another worker has the job): abandoned quietly, nothing more is called or written.
 * The processor takes two parameters on purpose: BullMQ makes an AbortController per job for
 * processors that take a third, and our cancellation is the shutdown signal.
 */
export function jobProcessor(deps: LifecycleDeps) {
  return async (stored: Job<StoredJobData, JobResult>, token?: string): Promise<JobResult> => {
    // Read whole once (what `v: 2` data leaves out comes from the job): the run sees every field.
    const data = jobDataOf(stored);
    const job = stored as Job<JobData, JobResult>;
    job.data = data;
    if (!looksValid(data) && !jobDataSchema.safeParse(data).success) {
      deps.logger.error({ jobId: job.id, code: ErrorCodes.VALIDATION }, 'job carries invalid data');
      throw new UnrecoverableError(`${ErrorCodes.VALIDATION}: job ${job.id} carries invalid data`);
    }
    const kind = data.kind ?? 'fallback';
    const lateMs = lateness(job, Date.now());
    if (deps.events?.listens('job.started')) {
      const { product, env, tag } = data;
      const at = job.processedOn ?? Date.now();
      const queue = job.queueName;
      deps.events.emit({
        type: 'job.started',
        kind,
        jobId: job.id ?? '',
        queue,
        product,
        env,
        tag,
        at,
        lateMs,
      });
    }
    const unfollow = deps.jobLogs?.follow(job, lateMs);
    try {
      return await processJob(deps, job, token, kind);
    } finally {
      unfollow?.();
    }
  };
}

/** How long after its intended time (created plus delay) the job started; 0 when it was not late. */
export function lateness(job: Pick<Job, 'timestamp' | 'opts' | 'processedOn'>, now: number): number {
  const intended = job.timestamp + (job.opts.delay ?? 0);
  return Math.max(0, (job.processedOn ?? now) - intended);
}

async function processJob(
  deps: LifecycleDeps,
  job: Job<JobData, JobResult>,
  token: string | undefined,
  kind: JobKind,
): Promise<JobResult> {
  const data = job.data;
  const logger = lazyChild(deps.logger, {
    jobId: job.id,
    kind,
    tag: data.tag,
    product: data.product,
    env: data.env,
  });
  const strategy = deps.strategies[kind];
  let definition: JobDefinition;
  let input = data.input;
  let session: Claims | undefined;
  try {
    definition = await strategy.resolve(data);
    // Validated at dispatch; again only if the definition changed since.
    if (definition.version !== data.version) input = definition.validateInput(data.input);
    // Most jobs have no session: no extra await on the worker's hot path for them.
    if (data.session) session = await openJobSession(deps, data);
  } catch (error) {
    return failBeforeRun(deps, job, token, kind, error, logger);
  }
  const save = (next: JobData) => deps.fence.write(job, token, next);
  try {
    const outcome = await strategy.run({
      job,
      data,
      definition,
      input,
      session,
      // A recurring schedule's occurrences each get keys of their own.
      runKey: data.schedulerId ? `${data.idempotencyKey}:${job.id}` : data.idempotencyKey,
      signal: deps.shutdown,
      logger,
      save,
    });
    return await settle(job, token, outcome, save, logger);
  } catch (error) {
    if (error instanceof LockLostError) abandon(error, logger);
    throw error;
  }
}

/** Maps how a run ended to what BullMQ does next. */
async function settle(
  job: Job<JobData, JobResult>,
  token: string | undefined,
  outcome: JobOutcome,
  save: (data: JobData) => Promise<void>,
  logger: Logger,
): Promise<JobResult> {
  if (outcome.kind === 'completed') {
    logger.debug(outcome.detail ?? {}, 'job completed');
    return outcome.result;
  }
  if (outcome.kind === 'interrupted') {
    await save({ ...job.data, ...outcome.progress });
    await job.moveToWait(token);
    logger.warn({ reason: outcome.message }, 'job interrupted by shutdown; it will run again');
    throw new WaitingError();
  }
  const failure = { code: outcome.code, message: outcome.message };
  await save({ ...job.data, ...outcome.progress, failure });
  logger.warn({ code: outcome.code, ...outcome.detail }, `job failed: ${outcome.message}`);
  throw new UnrecoverableError(`${outcome.code}: ${outcome.message}`);
}

/**
 * Another worker runs the job now (this one's lock expired: a long pause, a stall): stop without a
 * trace in the job. A WaitingError makes BullMQ leave the job as it is (bullmq 6.7
 * src/classes/worker.ts, `handleFailed`), where any other error would try to fail it.
 */
function abandon(error: LockLostError, logger: Logger): never {
  logger.warn({ reason: error.reason }, `abandoning this run: ${error.message}`);
  throw new WaitingError();
}

/**
 * The job's session claims, verified again now. A token that expired while the job waited fails
 * the job with that reason; an identity provider we cannot reach is our trouble: the job retries.
 */
async function openJobSession(deps: LifecycleDeps, data: JobData): Promise<Claims | undefined> {
  if (!data.session) return undefined;
  try {
    return await deps.openSession(data.session, sealedFor(data));
  } catch (error) {
    if (error instanceof SessionInvalidError && error.reason === 'keys-unavailable')
      throw new Error(error.message);
    throw error;
  }
}

/**
 * Before the run: our own errors (definition gone, input no longer valid, session refused) are
 * final, recorded on the job and logged; anything else (Redis away) lets BullMQ run the job again.
 */
async function failBeforeRun(
  deps: LifecycleDeps,
  job: Job<JobData, JobResult>,
  token: string | undefined,
  kind: JobKind,
  error: unknown,
  logger: Logger,
): Promise<never> {
  if (!isBackstopError(error) || error.code === ErrorCodes.REDIS_UNAVAILABLE) {
    const code = codeOf(error, ErrorCodes.WORKER_FAILED);
    logger.warn({ code, err: error }, 'job could not start; BullMQ will run it again');
    throw error;
  }
  let message = error.message;
  if (error instanceof NotFoundError) message += await missingDefinitionHint(deps, job.data, kind);
  try {
    await deps.fence.write(job, token, { ...job.data, failure: { code: error.code, message } });
  } catch (lost) {
    if (lost instanceof LockLostError) abandon(lost, logger);
    throw lost;
  }
  logger.warn({ code: error.code }, `job failed before it ran: ${message}`);
  throw new UnrecoverableError(`${error.code}: ${message}`);
}

/** A worker that lacks a code-first definition says where definitions come from and what it has. */
async function missingDefinitionHint(deps: LifecycleDeps, data: JobData, kind: JobKind) {
  const known = await deps.knownTags(data.product, kind).catch(() => [] as string[]);
  const list = known.length ? known.join(', ') : 'none';
  // A batch job runs a fallback.
  const what = kind === 'batch' ? 'fallback' : kind;
  return kind !== 'feature'
    ? `; this worker knows ${what}s: ${list}. Code-first ${what}s must be defined in the worker process too (BACKSTOP_DEFINITIONS=./definitions.ts)`
    : `; this installation has ${what}s: ${list}`;
}

/** The common case, checked without building a zod result; anything else gets the full parse. */
function looksValid(data: JobData | undefined): boolean {
  return (
    (data?.v === 1 || data?.v === 2) &&
    typeof data.tag === 'string' &&
    typeof data.product === 'string' &&
    typeof data.env === 'string' &&
    typeof data.idempotencyKey === 'string' &&
    data.input !== null &&
    typeof data.input === 'object'
  );
}
