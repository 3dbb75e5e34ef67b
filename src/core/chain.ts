import type { BackoffSpec } from './backoff.js';
import type { ErrorClassifier } from './classify.js';
import type { InputSchema, InputValidator } from './input-schema.js';
import type { TargetRef } from './target-ref.js';
import type { TemplateScope } from './template/scope.js';

/** Maps the run's input to the provider's request; `scope` carries `$Fallback{}` and secrets. */
export type InputMapper = (input: unknown, scope: TemplateScope) => unknown;
/** Maps the provider's response to the normalized output. */
export type OutputMapper = (response: unknown, scope: TemplateScope) => unknown;

/** One provider of a chain, in the engine's own terms: both definition forms compile to this. */
export interface ProviderSpec {
  name: string;
  target: TargetRef;
  healthcheck?: string | undefined;
  /** Retries after the first attempt: a provider is tried up to `retries + 1` times. */
  retries: number;
  /** Per-attempt timeout in ms. */
  timeoutMs?: number | undefined;
  backoff: BackoffSpec;
  /** Healthcheck interval override (`check_interval`, or `.checkInterval()` in code). */
  checkInterval?: number | undefined;
  mapInput?: InputMapper | undefined;
  mapOutput?: OutputMapper | undefined;
}

/** A compiled fallback chain, ready to run. */
export interface Chain {
  product: string;
  tag: string;
  name: string;
  description?: string | undefined;
  version: number;
  input: InputSchema;
  validateInput: InputValidator;
  providers: readonly ProviderSpec[];
  /** Overall budget of a run in ms, across every provider, retry and backoff. */
  deadlineMs?: number | undefined;
  classify: ErrorClassifier;
  /** When every provider is skipped as unhealthy: try them anyway (default), or fail. */
  whenAllUnhealthy?: 'try-anyway' | 'fail' | undefined;
}
