import { BackstopError, ErrorCodes } from '../errors.js';
import type { StepRecord } from './step-record.js';

/** A feature stopped at a step. Names the step and keeps the record of every step run so far. */
export class FeatureStepFailedError extends BackstopError {
  readonly causeCode: string;

  constructor(
    readonly feature: string,
    readonly product: string,
    readonly env: string,
    readonly runId: string,
    readonly step: string,
    readonly steps: readonly StepRecord[],
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCodes.FEATURE_STEP_FAILED, `feature '${feature}' failed at step '${step}': ${reason}`, {
      cause,
    });
    this.causeCode = (cause as { code?: unknown })?.code?.toString() ?? ErrorCodes.PROVIDER_ERROR;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      feature: this.feature,
      product: this.product,
      env: this.env,
      runId: this.runId,
      step: this.step,
      cause: { code: this.causeCode, message: (this.cause as Error)?.message ?? String(this.cause) },
      steps: this.steps,
    };
  }
}
