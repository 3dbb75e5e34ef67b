import { type Job, UnrecoverableError } from 'bullmq';
import type { AttemptRecord } from '../core/attempt.js';
import type { Chain } from '../core/chain.js';
import { isBackstopError } from '../core/errors.js';
import { type Logger, lazyChild } from '../core/logger.js';
import { type EngineDeps, runChain } from '../core/run-chain.js';
import { RunAbortedError } from '../core/run-errors.js';
import { type FallbackJobData, type FallbackJobResult, jobDataSchema } from './job-data.js';

export interface ProcessorDeps {
  engine: EngineDeps;
  resolve: (product: string, tag: string) => Promise<Chain>;
  logger: Logger;
  /** Aborts every running chain when the worker's shutdown grace has run out. */
  shutdown: AbortSignal;
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
  return async (job: Job<FallbackJobData, FallbackJobResult>): Promise<FallbackJobResult> => {
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
    let chain: Chain;
    let input: Record<string, unknown> = data.input;
    try {
      chain = await deps.resolve(data.product, data.tag);
      // Validated at dispatch; again only if the definition changed since.
      if (chain.version !== data.version) input = chain.validateInput(data.input);
    } catch (error) {
      if (!isBackstopError(error) || error.code === 'BACKSTOP_REDIS_UNAVAILABLE') throw error;
      await job.updateData({ ...data, failure: { code: error.code, message: error.message } });
      throw new UnrecoverableError(`${error.code}: ${error.message}`);
    }

    const runKey = data.schedulerId ? `${data.idempotencyKey}:${job.id}` : data.idempotencyKey;
    let persistedStart = data.progress?.startAt ?? 0;
    const outcome = await runChain(
      { ...deps.engine, logger },
      {
        chain,
        env: data.env,
        input,
        runId: job.id!,
        runKey,
        signal: deps.shutdown,
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
    if (outcome.ok) {
      logger.debug({ provider: outcome.provider, attempts: outcome.attempts.length }, 'job completed');
      return {
        runId: outcome.runId,
        provider: outcome.provider,
        result: outcome.result,
        attempts: outcome.attempts,
      };
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
