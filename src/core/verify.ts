import type { Logger } from './logger.js';
import type { TargetRef } from './target-ref.js';

/**
 * What happens when a provider's retries are used up and it may have acted on the last call:
 * - `failover`: call the next provider anyway (the documented default; a payment may be made twice);
 * - `stop`: end the chain with BACKSTOP_FALLBACK_AMBIGUOUS, naming the provider and the key;
 * - `verify`: ask the provider what became of the key first: it succeeded (that is the result),
 *   it never happened (fail over safely), or it cannot tell (stop).
 */
export type AmbiguityPolicy = 'failover' | 'stop' | 'verify';

export const AMBIGUITY_POLICIES = ['failover', 'stop', 'verify'] as const;

/** What a provider said of an idempotency key. */
export type VerifyAnswer =
  | { status: 'succeeded'; response: unknown }
  | { status: 'not-found' }
  | { status: 'unknown'; reason?: string };

/** What a verify function gets. */
export interface VerifyContext {
  /** The key every ambiguous attempt carried. */
  idempotencyKey: string;
  /** The request those attempts sent (the mapped input). */
  request: unknown;
  /** The run's input. */
  input: unknown;
  /** Aborts on the provider's timeout, the run's deadline or the caller's cancel. */
  signal: AbortSignal;
  provider: string;
  runId: string;
  product: string;
  env: string;
  tag: string;
  /** The failure that left the outcome unknown. */
  failure: { code: string; message: string; status?: number | undefined };
  logger: Logger;
  /**
   * Calls a target with this context's key and signal: how the declarative form's `verify` calls
   * an action of the provider's app.
   */
  call(target: TargetRef, request: unknown): Promise<unknown>;
}

export type Verifier = (ctx: VerifyContext) => VerifyAnswer | Promise<VerifyAnswer>;

/** A verify answer as the engine trusts it: anything malformed counts as `unknown`. */
export function checkAnswer(answer: unknown): VerifyAnswer {
  if (answer === null || typeof answer !== 'object') return { status: 'unknown', reason: 'no answer' };
  const { status } = answer as { status?: unknown };
  if (status === 'succeeded' && 'response' in answer) return answer as VerifyAnswer;
  if (status === 'not-found') return { status };
  if (status === 'unknown') return answer as VerifyAnswer;
  return { status: 'unknown', reason: `verify answered ${JSON.stringify(answer).slice(0, 100)}` };
}
