import { linkedController } from './abort.js';
import type { ProviderSpec } from './chain.js';
import type { Clock } from './clock.js';
import { type AttemptFailure, toFailure } from './failure.js';
import type { Logger } from './logger.js';
import { AttemptTimeoutError } from './provider-errors.js';
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
  identity: { runId: string; product: string; env: string; tag: string; depth: number };
}

export type CallResult = { ok: true; response: unknown } | { ok: false; failure: AttemptFailure };

/** One attempt against one provider, bounded by the attempt's timeout and the run's signal. */
export async function callOnce(call: AttemptCall): Promise<CallResult> {
  const { clock, provider, runSignal, deadlineAt } = call;
  const { controller, unlink } = linkedController(runSignal);
  const remainingMs = deadlineAt === undefined ? undefined : Math.max(0, deadlineAt - clock.now());
  const timeoutMs = provider.timeoutMs;
  const cancelTimeout =
    timeoutMs === undefined
      ? noop
      : clock.setTimer(timeoutMs, () => controller.abort(new AttemptTimeoutError(timeoutMs)));
  const ctx = attemptContext(call, controller.signal, remainingMs);
  try {
    const response = await raceAbort(
      call.targets.call(provider.target, call.request, ctx),
      controller.signal,
    );
    return { ok: true, response };
  } catch (error) {
    // A target that rejects with a bare AbortError after our timeout fired failed because of the timeout.
    const reason = controller.signal.reason;
    const cause = reason instanceof AttemptTimeoutError && !runSignal.aborted ? reason : error;
    return { ok: false, failure: toFailure(cause) };
  } finally {
    cancelTimeout();
    unlink();
  }
}

/** A target that ignores its signal must not hold the chain past its timeout or deadline. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function attemptContext(
  call: AttemptCall,
  signal: AbortSignal,
  remainingMs: number | undefined,
): TargetContext {
  const { identity, provider, attempt } = call;
  let child: Logger | undefined;
  return {
    ...identity,
    signal,
    idempotencyKey: call.idempotencyKey,
    attempt,
    provider: provider.name,
    remainingMs,
    // A child logger costs an allocation: build it only for targets that log.
    get logger() {
      child ??= call.logger.child({
        runId: identity.runId,
        tag: identity.tag,
        provider: provider.name,
        attempt,
      });
      return child;
    },
  };
}

function noop(): void {}
