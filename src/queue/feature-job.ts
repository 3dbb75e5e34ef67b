import type { Feature } from '../core/feature/feature.js';
import { type FeatureDeps, runFeature } from '../core/feature/run-feature.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import type { JobOutcome, JobRun, JobStrategy } from './job-strategy.js';

export interface FeatureJobDeps {
  definitions: DefinitionResolver;
  /** How feature steps run chains and other features. */
  nested: FeatureDeps;
}

/**
 * A feature job (`features.dispatch`): runs the steps in order, recording each completed step on
 * the job, so that a re-run after a crash reuses their outputs instead of calling them again.
 */
export function featureJob(deps: FeatureJobDeps): JobStrategy<Feature> {
  return {
    resolve: (data) => deps.definitions.feature(data.product, data.tag),
    run: (run) => runFeatureJob(deps, run),
  };
}

async function runFeatureJob(deps: FeatureJobDeps, r: JobRun<Feature>): Promise<JobOutcome> {
  const { job, data } = r;
  const outcome = await runFeature(deps.nested, {
    feature: r.definition,
    env: data.env,
    input: r.input,
    runId: job.id!,
    runKey: r.runKey,
    session: r.session,
    signal: r.signal,
    logger: r.logger,
    completed: data.steps,
    // Recorded before the next step runs, only while this worker holds the job (job-fence.ts).
    afterStep: async (steps) => {
      await r.save({ ...data, steps: [...steps] });
    },
  });
  if (outcome.ok) {
    const result = { runId: outcome.runId, output: outcome.output, steps: outcome.steps };
    return { kind: 'completed', result, detail: { steps: result.steps.length } };
  }
  const { error } = outcome;
  if (outcome.interrupted) {
    const done = outcome.steps.filter((s) => s.outcome === 'success');
    return { kind: 'interrupted', progress: { steps: done }, message: error.message };
  }
  return {
    kind: 'failed',
    progress: { steps: outcome.steps },
    code: error.code,
    message: error.message,
    detail: { step: error.step, cause: error.causeCode },
  };
}
