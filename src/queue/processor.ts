import { type Job, UnrecoverableError } from 'bullmq';
import { cacheScopeOf } from '../cache/cache-key.js';
import { runThroughCache } from '../cache/cached-run.js';
import type { ResultCache } from '../cache/result-cache.js';
import type { AttemptRecord } from '../core/attempt.js';
import type { Chain } from '../core/chain.js';
import { isBackstopError } from '../core/errors.js';
import type { Feature } from '../core/feature/feature.js';
import type { FeatureDeps } from '../core/feature/run-feature.js';
import { type Logger, lazyChild } from '../core/logger.js';
import { type EngineDeps, runChain } from '../core/run-chain.js';
import { RunAbortedError } from '../core/run-errors.js';
import { SessionInvalidError } from '../core/session-errors.js';
import type { Claims, SealedSession } from '../session/session-registry.js';
import { runFeatureJob } from './feature-job.js';
import { type FallbackJobData, type FallbackJobResult, type JobResult, jobDataSchema } from './job-data.js';
import { sealedFor } from './producer.js';

export interface ProcessorDeps {
  engine: EngineDeps;
  resolve: (product: string, tag: string) => Promise<Chain>;
  logger: Logger;
  /** Aborts every running chain when the worker's shutdown grace has run out. */
  shutdown: AbortSignal;
  /** Opens a job's sealed session token and verifies it again (it may have expired meanwhile). */
  openSession: (sealed: SealedSession, associated: string) => Promise<Claims>;
  /** The result cache, for jobs that name one. */
  results: () => Promise<ResultCache>;
  /** Feature jobs (`features.dispatch`). */
  features: { resolve: (product: string, tag: string) => Promise<Feature>; deps: FeatureDeps };
}

/**
 * The worker's processor, thin on purpose: read the job, run the chain, map the outcome to BullMQ.
 * - success: the result and the attempt record are the job's return value;
 * - the chain failed (exhausted, stopped, deadline): final, `UnrecoverableError` — the chain had its
 *   own retries, so BullMQ must not run it again blindly;
 * - the worker failed (Redis went away, shutdown): an ordinary error, so BullMQ re-runs the job,
 *   which resumes at the provider it had reached, with the same idempotency keys.
 * It takes two parameters on purpose: BullMQ makes an AbortController per job for processors that
 * take a third, and our cancellation is the shutdown signal.
 */
export function fallbackProcessor(deps: ProcessorDeps) {
  return async (job: Job<FallbackJobData, JobResult>): Promise<JobResult> => {
    const data = job.data;
    if (!looksValid(data) && !jobDataSchema.safeParse(data).success) {
      throw new UnrecoverableError(`BACKSTOP_VALIDATION: job ${job.id} carries invalid data`);
    }
    const logger = lazyChild(deps.logger, {
      jobId: job.id,
      tag: data.tag,
      product: data.product,
      env: data.env,
    });
    if (data.kind === 'feature') return runFeatureJob(deps, job, logger);
    let chain: Chain;
    let input: Record<string, unknown> = data.input;
    let session: Claims | undefined;
    try {
      chain = await deps.resolve(data.product, data.tag);
      // Validated at dispatch; again only if the definition changed since.
      if (chain.version !== data.version) input = chain.validateInput(data.input);
      // Most jobs have no session: no extra await on the worker's hot path for them.
      if (data.session) session = await openJobSession(deps, data);
    } catch (error) {
      return failBeforeRun(job, error);
    }

    const runKey = data.schedulerId ? `${data.idempotencyKey}:${job.id}` : data.idempotencyKey;
    let persistedStart = data.progress?.startAt ?? 0;
    const run = () =>
      runChain(
        { ...deps.engine, logger },
        {
          chain,
          env: data.env,
          input,
          runId: job.id!,
          runKey,
          signal: deps.shutdown,
          session,
          startAt: persistedStart,
          previousAttempts: data.progress?.attempts,
          // Before calling a later provider, record how far the job got, so that a re-run after a
          // crash starts there instead of calling the earlier providers again. Needed only when an
          // earlier call may have gone through (a timeout, a reset, a 5xx); after clear rejections a
          // re-run that calls them again changes nothing, so that write is skipped.
          beforeProvider: async (index, attempts) => {
            if (index <= persistedStart || !mayHaveGoneThrough(attempts)) return;
            persistedStart = index;
            await job.updateData({ ...data, progress: { startAt: index, attempts: [...attempts] } });
          },
        },
      );
    const { outcome, cache } = data.cache
      ? await runThroughCache(
          await deps.results(),
          { cacheTag: data.cache, ...cacheScopeOf(chain, data.env, input, session) },
          job.id!,
          run,
          deps.shutdown,
        )
      : { outcome: await run(), cache: undefined };
    if (outcome.ok) {
      logger.debug({ provider: outcome.provider, attempts: outcome.attempts.length }, 'job completed');
      const result: FallbackJobResult = {
        runId: outcome.runId,
        provider: outcome.provider,
        result: outcome.result,
        attempts: outcome.attempts,
      };
      if (cache) result.cache = cache;
      return result;
    }
    const { error } = outcome;
    const progress = { startAt: persistedStart, attempts: outcome.attempts };
    if (error instanceof RunAbortedError) {
      await job.updateData({ ...data, progress });
      logger.warn({ attempts: outcome.attempts.length }, 'job interrupted by shutdown; it will run again');
      throw new Error(`interrupted: ${error.message}`);
    }
    await job.updateData({ ...data, progress, failure: { code: error.code, message: error.message } });
    logger.warn({ code: error.code, attempts: outcome.attempts.length }, error.message);
    throw new UnrecoverableError(`${error.code}: ${error.message}`);
  };
}

/**
 * The job's session claims, verified again now. A token that expired while the job waited fails
 * the job with that reason; an identity provider we cannot reach is our trouble: the job retries.
 */
export async function openJobSession(
  deps: ProcessorDeps,
  data: FallbackJobData,
): Promise<Claims | undefined> {
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
 * final and recorded on the job; anything else (Redis away) lets BullMQ run the job again.
 */
export async function failBeforeRun(job: Job<FallbackJobData, unknown>, error: unknown): Promise<never> {
  if (!isBackstopError(error) || error.code === 'BACKSTOP_REDIS_UNAVAILABLE') throw error;
  await job.updateData({ ...job.data, failure: { code: error.code, message: error.message } });
  throw new UnrecoverableError(`${error.code}: ${error.message}`);
}

/** The common case, checked without building a zod result; anything else gets the full parse. */
function looksValid(data: FallbackJobData | undefined): boolean {
  return (
    data?.v === 1 &&
    typeof data.tag === 'string' &&
    typeof data.product === 'string' &&
    typeof data.env === 'string' &&
    typeof data.idempotencyKey === 'string' &&
    data.input !== null &&
    typeof data.input === 'object'
  );
}

/** Whether a call failed in a way that may have gone through (anything but a clear rejection). */
function mayHaveGoneThrough(attempts: readonly AttemptRecord[]): boolean {
  return attempts.some((a) => a.outcome === 'failure' && a.error?.verdict !== 'failover');
}
