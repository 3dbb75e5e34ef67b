import { type Job, UnrecoverableError } from 'bullmq';
import { linkedController } from '../core/abort.js';
import type { Chain } from '../core/chain.js';
import { isBackstopError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
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
 */
export function fallbackProcessor(deps: ProcessorDeps) {
  return async (
    job: Job<FallbackJobData, FallbackJobResult>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<FallbackJobResult> => {
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`BACKSTOP_VALIDATION: job ${job.id} carries invalid data`);
    const data = job.data;
    const logger = deps.logger.child({ jobId: job.id, tag: data.tag, product: data.product, env: data.env });
    let chain: Chain;
    let input: Record<string, unknown>;
    try {
      chain = await deps.resolve(data.product, data.tag);
      input = chain.validateInput(data.input); // the definition may have changed since dispatch
    } catch (error) {
      if (!isBackstopError(error) || error.code === 'BACKSTOP_REDIS_UNAVAILABLE') throw error;
      await job.updateData({ ...data, failure: { code: error.code, message: error.message } });
      throw new UnrecoverableError(`${error.code}: ${error.message}`);
    }

    const runKey = data.schedulerId ? `${data.idempotencyKey}:${job.id}` : data.idempotencyKey;
    let persistedStart = data.progress?.startAt ?? 0;
    const stop = linkedController(deps.shutdown);
    const unlinkJob = follow(signal, stop.controller);
    const outcome = await runChain(
      { ...deps.engine, logger },
      {
        chain,
        env: data.env,
        input,
        runId: job.id!,
        runKey,
        signal: stop.controller.signal,
        startAt: persistedStart,
        previousAttempts: data.progress?.attempts,
        // Written before the first call to each later provider: a re-run after a crash starts there.
        beforeProvider: async (index, attempts) => {
          if (index <= persistedStart) return;
          persistedStart = index;
          await job.updateData({ ...data, progress: { startAt: index, attempts: [...attempts] } });
        },
      },
    ).finally(() => {
      stop.unlink();
      unlinkJob();
    });
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

/** Aborts `controller` when `signal` (BullMQ's per-job cancel signal, if any) aborts. */
function follow(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) controller.abort(signal.reason);
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
