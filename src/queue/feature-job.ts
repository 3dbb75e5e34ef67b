import { type Job, UnrecoverableError } from 'bullmq';
import type { Feature } from '../core/feature/feature.js';
import { runFeature } from '../core/feature/run-feature.js';
import type { Logger } from '../core/logger.js';
import type { Claims } from '../session/session-registry.js';
import type { FallbackJobData, FeatureJobResult } from './job-data.js';
import { failBeforeRun, openJobSession, type ProcessorDeps } from './processor.js';

/**
 * A feature job (`features.dispatch`): runs the steps in order, recording each completed step on
 * the job, so that a re-run after a crash reuses their outputs instead of calling them again. A
 * failed step is final (UnrecoverableError); a shutdown mid-step lets BullMQ run the job again.
 */
export async function runFeatureJob(
  deps: ProcessorDeps,
  job: Job<FallbackJobData, unknown>,
  logger: Logger,
): Promise<FeatureJobResult> {
  const data = job.data;
  let feature: Feature;
  let input = data.input;
  let session: Claims | undefined;
  try {
    feature = await deps.features.resolve(data.product, data.tag);
    if (feature.version !== data.version) input = feature.validateInput(data.input);
    session = await openJobSession(deps, data);
  } catch (error) {
    return failBeforeRun(job, error);
  }
  const runKey = data.schedulerId ? `${data.idempotencyKey}:${job.id}` : data.idempotencyKey;
  const outcome = await runFeature(
    { ...deps.features.deps, engine: { ...deps.features.deps.engine, logger } },
    {
      feature,
      env: data.env,
      input,
      runId: job.id!,
      runKey,
      session,
      signal: deps.shutdown,
      completed: data.steps,
      afterStep: async (steps) => {
        await job.updateData({ ...data, steps: [...steps] });
      },
    },
  );
  if (outcome.ok) {
    logger.debug({ steps: outcome.steps.length }, 'feature job completed');
    return { runId: outcome.runId, output: outcome.output, steps: outcome.steps };
  }
  const { error } = outcome;
  const done = outcome.steps.filter((s) => s.outcome === 'success');
  if (outcome.interrupted) {
    await job.updateData({ ...data, steps: done });
    logger.warn({ step: error.step }, 'feature job interrupted by shutdown; it will run again');
    throw new Error(`interrupted: ${error.message}`);
  }
  await job.updateData({
    ...data,
    steps: outcome.steps,
    failure: { code: error.code, message: error.message },
  });
  logger.warn({ step: error.step, code: error.causeCode }, error.message);
  throw new UnrecoverableError(`${error.code}: ${error.message}`);
}
