import { NEVER_ABORTED } from './abort.js';
import type { AttemptWarning } from './attempt.js';
import type { ProviderSpec } from './chain.js';
import type { Clock } from './clock.js';
import { type AttemptFailure, toFailure } from './failure.js';
import type { Logger } from './logger.js';
import { AttemptTimeoutError } from './provider-errors.js';
import type { RunIdentity } from './run-state.js';
import type { TargetContext, TargetResolver } from './target.js';

export interface AttemptCall {
  clock: Clock;
  targets: TargetResolver;
  logger: Logger;
  provider: ProviderSpec;
  request: unknown;
  attempt: number;
  idempotencyKey: string;
  /** The run's signal: aborts on the deadline or the caller's cancel. */
  runSignal: AbortSignal;
  deadlineAt: number | undefined;
  identity: RunIdentity;
}

export type CallResult =
  | { ok: true; response: unknown; warnings?: AttemptWarning[] | undefined }
  | { ok: false; failure: AttemptFailure; warnings?: AttemptWarning[] | undefined };

/**
 * One attempt against one provider, bounded by the attempt's timeout and the run's signal. The
 * timeout and the run's end reject the attempt directly, so a target that ignores its signal
 * cannot hold the chain. On Node 20 an AbortSignal is the costliest thing on this path, so the
 * attempt's own controller is made only when the target reads `ctx.signal`.
 */
export async function callOnce(call: AttemptCall): Promise<CallResult> {
  const { clock, provider, runSignal, deadlineAt } = call;
  const end = new AttemptEnd();
  const onRunAbort = () => end.abort(runSignal.reason);
  const linked = runSignal !== NEVER_ABORTED;
  if (runSignal.aborted) end.abort(runSignal.reason);
  else if (linked) runSignal.addEventListener('abort', onRunAbort, { once: true });
  const remainingMs = deadlineAt === undefined ? undefined : Math.max(0, deadlineAt - clock.now());
  const ctx = new AttemptContext(call, end, remainingMs);
  const timeoutMs = provider.timeoutMs;
  const cancelTimeout = timeoutMs === undefined ? noop : startTimeout(clock, timeoutMs, end, ctx);
  try {
    const response = await end.race(() => call.targets.call(provider.target, call.request, ctx));
    return { ok: true, response, warnings: ctx.warnings };
  } catch (error) {
    // A target that rejects with a bare AbortError after our timeout fired failed because of the timeout.
    const cause = end.reason instanceof AttemptTimeoutError && !runSignal.aborted ? end.reason : error;
    const failure = toFailure(cause);
    if (failure.sent === undefined && ctx.delivery !== 'unknown') failure.sent = ctx.delivery === 'sent';
    return { ok: false, failure, warnings: ctx.warnings };
  } finally {
    end.finish();
    cancelTimeout();
    if (linked) runSignal.removeEventListener('abort', onRunAbort);
  }
}

/**
 * The attempt's timeout. A busy event loop fires it late, and possibly after the provider's answer
 * has arrived and waits to be read: the timeout then yields once to that I/O (`clock.defer`), so a
 * worker's own lag does not turn an answered call into an ambiguous timeout. How late it fired is
 * kept on the failure (`lagMs`).
 */
function startTimeout(clock: Clock, timeoutMs: number, end: AttemptEnd, ctx: AttemptContext): () => void {
  const dueAt = clock.now() + timeoutMs;
  return clock.setTimer(timeoutMs, () => {
    const lagMs = Math.max(0, clock.now() - dueAt);
    const fire = () => {
      const sent = ctx.delivery === 'unknown' ? undefined : ctx.delivery === 'sent';
      end.abort(new AttemptTimeoutError(timeoutMs, sent, lagMs));
    };
    if (clock.defer) clock.defer(fire);
    else fire();
  });
}

/** How an attempt ends early: rejects the race, and aborts the signal if the target asked for one. */
class AttemptEnd {
  /** Aborted: by the timeout or the run's end. */
  ended = false;
  reason: unknown;
  /** Over, however it ended: nothing aborts it any more. */
  private finished = false;
  private controller: AbortController | undefined;
  private reject: (reason: unknown) => void = noop;

  abort(reason: unknown): void {
    if (this.ended || this.finished) return;
    this.ended = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.reject(reason);
  }

  /**
   * The attempt is over: a timeout deferred past its end changes nothing, and a signal first read
   * afterwards (by a target still cleaning up) is aborted only if the attempt was.
   */
  finish(): void {
    this.finished = true;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  race<T>(start: () => Promise<T>): Promise<T> {
    if (this.ended) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      this.reject = reject;
      start().then(resolve, reject);
    });
  }
}

/** A class rather than a literal with a spread and getters: V8 gives its instances one fixed shape. */
class AttemptContext implements TargetContext {
  readonly runId: string;
  readonly product: string;
  readonly env: string;
  readonly tag: string;
  readonly depth: number;
  readonly session: Readonly<Record<string, unknown>> | undefined;
  readonly idempotencyKey: string;
  readonly attempt: number;
  readonly provider: string;
  /** What the target said of its request: `unknown` until (unless) it says. */
  delivery: 'unknown' | 'not-sent' | 'sent' = 'unknown';
  warnings: AttemptWarning[] | undefined;
  private child: Logger | undefined;

  constructor(
    private readonly call: AttemptCall,
    private readonly end: AttemptEnd,
    readonly remainingMs: number | undefined,
  ) {
    const { identity } = call;
    this.runId = identity.runId;
    this.product = identity.product;
    this.env = identity.env;
    this.tag = identity.tag;
    this.depth = identity.depth;
    this.session = identity.session;
    this.idempotencyKey = call.idempotencyKey;
    this.attempt = call.attempt;
    this.provider = call.provider.name;
  }

  get signal(): AbortSignal {
    return this.end.signal;
  }

  reportDelivery(state: 'not-sent' | 'sent'): void {
    if (this.delivery !== 'sent') this.delivery = state;
  }

  warn(warning: AttemptWarning): void {
    if (this.warnings) this.warnings.push(warning);
    else this.warnings = [warning];
  }

  /** A child logger costs an allocation: built only for targets that log. */
  get logger(): Logger {
    this.child ??= this.call.logger.child({
      runId: this.runId,
      tag: this.tag,
      provider: this.provider,
      attempt: this.attempt,
    });
    return this.child;
  }
}

function noop(): void {}
