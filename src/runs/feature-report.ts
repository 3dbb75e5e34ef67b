import type { StepRecord } from '../core/feature/step-record.js';

/** What `features.runDetailed` returns: the output and every step's record. */
export interface FeatureReport<T = unknown> {
  runId: string;
  feature: string;
  output: T;
  steps: StepRecord[];
  durationMs: number;
}
