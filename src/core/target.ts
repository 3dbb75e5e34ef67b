import type { AttemptWarning } from './attempt.js';
import type { Logger } from './logger.js';
import type { TargetRef } from './target-ref.js';

/** Everything a target gets besides its request: identity, cancellation and the idempotency key. */
export interface TargetContext {
  /** Aborts when the attempt times out, the run's deadline passes or the caller cancels. */
  signal: AbortSignal;
  /** Stable across retries of the same run and provider: send it to the provider. */
  idempotencyKey: string;
  /** 1-based attempt number for this provider within the run. */
  attempt: number;
  provider: string;
  runId: string;
  product: string;
  env: string;
  tag: string;
  logger: Logger;
  /** Milliseconds left before the run's deadline, or undefined when the run has none. */
  remainingMs: number | undefined;
  /** How deep this run is nested inside workflow targets (0 for a top-level run). */
  depth: number;
  /** The verified claims of the run's session token, when the run was given one. */
  session: Readonly<Record<string, unknown>> | undefined;
  /**
   * A target that knows when its request leaves says so: `not-sent` when it starts (nothing has
   * reached the provider yet), `sent` the moment the request is written. An attempt that times out
   * before `sent` failed cleanly (the next provider is safe); after it, or with a target that never
   * says, the provider may have acted.
   */
  reportDelivery?(state: 'not-sent' | 'sent'): void;
  /** Records something wrong that does not fail the attempt (a 2xx body that is not valid JSON). */
  warn?(warning: AttemptWarning): void;
}

/** Calls one kind of target. Adapters live outside the core (HTTP, handlers, nested workflows, …). */
export interface TargetAdapter<T extends TargetRef = TargetRef> {
  call(target: T, request: unknown, ctx: TargetContext): Promise<unknown>;
}

/** Resolves a target to the adapter that can call it. */
export interface TargetResolver {
  call(target: TargetRef, request: unknown, ctx: TargetContext): Promise<unknown>;
}
