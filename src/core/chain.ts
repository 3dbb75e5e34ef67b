import type { BackoffSpec } from './backoff.js';
import type { ErrorClassifier } from './classify.js';
import type { HealthPolicyInput } from './health/health-policy.js';
import type { PanicPolicy } from './health/panic.js';
import type { HedgeSpec } from './hedge.js';
import type { InputSchema, InputValidator } from './input-schema.js';
import type { RateLimitSpec } from './rate-limit.js';
import type { TargetRef } from './target-ref.js';
import type { TemplateScope } from './template/scope.js';
import type { AmbiguityPolicy, Verifier } from './verify.js';

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
  /** Health settings for this provider: the chain's `health` with the option's laid over it. */
  health?: HealthPolicyInput | undefined;
  /** Hedged calls to this provider when it is slow to answer. */
  hedge?: HedgeSpec | undefined;
  /** At most `max` calls in any `perMs` window, across every process (rate-limit.ts). */
  rateLimit?: RateLimitSpec | undefined;
  mapInput?: InputMapper | undefined;
  mapOutput?: OutputMapper | undefined;
  /** Every field of the mapped output must be present: a missing one fails the run (BACKSTOP_MAPPING_FAILED). */
  strictOutput?: boolean | undefined;
  /**
   * What happens when this provider's retries are used up and its last failure left it unknown
   * whether it acted: fail over (the default), stop, or `verify` first. Both definition forms fill
   * it in from the chain's `onAmbiguous`.
   */
  onAmbiguous?: AmbiguityPolicy | undefined;
  /** Asks the provider what became of an idempotency key (`onAmbiguous: 'verify'`). */
  verify?: Verifier | undefined;
  /**
   * A quota's share of traffic for this provider, relative to the others' (1 when unset); 0 drains
   * it: kept for status, never picked. Ordered chains ignore it.
   */
  weight?: number | undefined;
  /**
   * Takes many items of a batch run in one call (`{ items: [each item's request] }`), answering
   * `{ results: [...] }` (or an array) in the same order; a result with an `error` field failed.
   */
  batch?: { maxSize: number } | undefined;
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
  /**
   * When providers are out of rotation: `panic` (default) lets a share of runs ignore health while
   * fewer than a threshold of providers are healthy, the others fail when every provider is skipped;
   * `try-anyway` tries every provider again when all were skipped; `fail` never ignores health.
   */
  whenAllUnhealthy?: 'panic' | 'try-anyway' | 'fail' | undefined;
  /** The panic threshold and share (default 50 % and 5 %). */
  panic?: PanicPolicy | undefined;
  /** The chain's `onAmbiguous`, for providers that do not set their own. */
  onAmbiguous?: AmbiguityPolicy | undefined;
  /**
   * How a run picks its next provider: `ordered` (a fallback: in the order written) or `weighted`
   * (a quota: by weight among the healthy providers not yet tried; provider-order.ts).
   */
  selection?: 'ordered' | 'weighted' | undefined;
  /** The named job queue its dispatched runs go to (default: its product's). */
  queue?: string | undefined;
}
