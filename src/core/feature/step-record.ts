import type { AttemptRecord } from '../attempt.js';
import type { FeatureEventType } from '../data-types.js';

/** What one step of a feature run did: its output, or its error, and the attempts behind either. */
export interface StepRecord {
  step: string;
  type: FeatureEventType;
  /** What the step called: `app payment-service/validate-payment`, `fallback payment-fallback`, `feature x`. */
  target: string;
  outcome: 'success' | 'failure';
  /** The provider that served the step (a fallback step: the chain's winner). */
  provider?: string | undefined;
  output?: unknown;
  /** Every provider attempt of the step (a fallback step: the nested chain's). */
  attempts: readonly AttemptRecord[];
  /** A feature step: the nested feature's own step records. */
  steps?: readonly StepRecord[] | undefined;
  startedAt: string;
  durationMs: number;
  error?: { code: string; message: string } | undefined;
}
