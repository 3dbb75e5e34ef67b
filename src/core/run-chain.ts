import { linkedController, NEVER_ABORTED } from './abort.js';
import type { AttemptRecord } from './attempt.js';
import { failed, skipped, succeeded } from './attempt-records.js';
import { backoffDelay } from './backoff.js';
import { callOnce } from './call-attempt.js';
import type { Chain, ProviderSpec } from './chain.js';
import type { Verdict } from './classify.js';
import { type Clock, sleep } from './clock.js';
import { type AttemptFailure, toFailure } from './failure.js';
import type { HealthView } from './health-view.js';
import { idempotencyKeyFor } from './idempotency.js';
import type { Logger } from './logger.js';
import { DeadlineReachedError } from './provider-errors.js';
import {
  DeadlineExceededError,
  FallbackExhaustedError,
  type FallbackRunError,
  FallbackStoppedError,
  MappingFailedError,
  RunAbortedError,
  type RunErrorData,
} from './run-errors.js';
import type { TargetResolver } from './target.js';
import type { TemplateScope } from './template/scope.js';

export interface EngineDeps {
  clock: Clock;
  health: HealthView;
  targets: TargetResolver;
  logger: Logger;
  random?: () => number;
}

export interface RunRequest {
  chain: Chain;
  env: string;
  /** Already validated against `chain.input`. */
  input: unknown;
  runId: string;
  /** Root of every provider's idempotency key; stable across re-runs of the same job. */
  runKey: string;
  signal?: AbortSignal | undefined;
  depth?: number;
  /** Start at this provider index (a resumed job skips providers it already exhausted). */
  startAt?: number;
  /** Attempts of earlier runs of the same job, kept at the head of this run's record. */
  previousAttempts?: readonly AttemptRecord[];
  /** Awaited before the first attempt of each provider that is called (a job persists how far it got). */
  beforeProvider?: (providerIndex: number, attempts: readonly AttemptRecord[]) => void | Promise<void>;
  /** Called after each attempt record is written. */
  onAttempt?: (record: AttemptRecord, providerIndex: number) => void | Promise<void>;
}

export type RunOutcome =
  | { ok: true; runId: string; provider: string; result: Record<string, unknown>; attempts: AttemptRecord[] }
  | { ok: false; runId: string; error: FallbackRunError; attempts: AttemptRecord[] };

/** Retry-After longer than this, with no deadline to bound it, fails over instead of waiting. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The failover algorithm. For each provider in order: skip it when its healthcheck says unhealthy;
 * otherwise try it up to `retries + 1` times, each attempt bounded by its timeout, with backoff
 * between attempts; a failure's verdict decides between retrying, failing over and stopping. The
 * whole run is bounded by the chain's deadline. The first success, mapped, is the result.
 */
export async function runChain(deps: EngineDeps, req: RunRequest): Promise<RunOutcome> {
  const { chain, env, runId } = req;
  const { clock } = deps;
  const startedAt = clock.now();
  const deadlineAt = chain.deadlineMs === undefined ? undefined : startedAt + chain.deadlineMs;
  // With no caller signal and no deadline nothing can end the run early: skip its controller.
  const run =
    req.signal || chain.deadlineMs !== undefined
      ? linkedController(req.signal)
      : { controller: undefined, unlink: noop };
  const runSignal = run.controller?.signal ?? NEVER_ABORTED;
  const cancelDeadline =
    chain.deadlineMs === undefined
      ? noop
      : clock.setTimer(chain.deadlineMs, () =>
          run.controller?.abort(new DeadlineReachedError(chain.deadlineMs ?? 0)),
        );
  const attempts: AttemptRecord[] = req.previousAttempts ? [...req.previousAttempts] : [];
  const providerErrors: Record<string, AttemptFailure> = {};
  const scope: TemplateScope = { input: req.input };
  const errorData = (): RunErrorData => ({
    runId,
    product: chain.product,
    tag: chain.tag,
    env,
    attempts,
    providerErrors,
  });
  const identity = { runId, product: chain.product, env, tag: chain.tag, depth: req.depth ?? 0 };
  const record = async (entry: AttemptRecord, index: number) => {
    attempts.push(entry);
    if (req.onAttempt) await req.onAttempt(entry, index);
  };

  try {
    for (let index = req.startAt ?? 0; index < chain.providers.length; index++) {
      const provider = chain.providers[index]!;
      const idempotencyKey = idempotencyKeyFor(req.runKey, provider.name);
      if (runSignal.aborted) break;
      if (isUnhealthy(deps.health, provider, chain.product, env)) {
        await record(skipped(provider, idempotencyKey, clock.now(), 'unhealthy'), index);
        continue;
      }

      let request: unknown;
      try {
        request = provider.mapInput ? provider.mapInput(req.input, scope) : req.input;
      } catch (error) {
        const failure = toFailure(error);
        providerErrors[provider.name] = failure;
        await record(failed(provider, idempotencyKey, 1, clock.now(), 0, failure, 'failover'), index);
        scope.fallback = fallbackInfo(provider, failure);
        continue;
      }

      if (req.beforeProvider) await req.beforeProvider(index, attempts);
      for (let attempt = 1; attempt <= provider.retries + 1; attempt++) {
        if (runSignal.aborted) break;
        const attemptStart = clock.now();
        const call = await callOnce({
          clock: deps.clock,
          targets: deps.targets,
          logger: deps.logger,
          provider,
          request,
          attempt,
          idempotencyKey,
          runSignal,
          deadlineAt,
          identity,
        });
        const durationMs = clock.now() - attemptStart;

        if (call.ok) {
          let result: Record<string, unknown>;
          try {
            result = normalize(provider, call.response, scope);
          } catch (error) {
            await record(succeeded(provider, idempotencyKey, attempt, attemptStart, durationMs), index);
            const mapping = new MappingFailedError(errorData(), provider.name, call.response, error);
            return { ok: false, runId, error: mapping, attempts };
          }
          await record(succeeded(provider, idempotencyKey, attempt, attemptStart, durationMs), index);
          return { ok: true, runId, provider: provider.name, result, attempts };
        }

        const failure = call.failure;
        const runEnded = runSignal.aborted;
        const verdict: Verdict = runEnded ? 'stop' : chain.classify(failure);
        providerErrors[provider.name] = failure;
        scope.fallback = fallbackInfo(provider, failure);
        await record(
          failed(provider, idempotencyKey, attempt, attemptStart, durationMs, failure, verdict),
          index,
        );
        deps.logger.debug(
          { runId, provider: provider.name, attempt, code: failure.code, verdict },
          'attempt failed',
        );

        if (runEnded) break;
        if (verdict === 'stop') {
          return {
            ok: false,
            runId,
            error: new FallbackStoppedError(errorData(), provider.name, failure.cause),
            attempts,
          };
        }
        if (verdict === 'failover' || attempt > provider.retries) break;

        const delay = retryDelay(deps, provider, attempt, failure, clock.now(), deadlineAt);
        if (delay === 'failover') break;
        if (delay > 0) {
          try {
            await sleep(clock, delay, runSignal);
          } catch {
            break; // the deadline or the caller ended the run while we waited
          }
        }
      }
    }

    const signal = runSignal;
    if (signal.aborted) {
      const error =
        signal.reason instanceof DeadlineReachedError
          ? new DeadlineExceededError(errorData(), chain.deadlineMs ?? 0)
          : new RunAbortedError(errorData(), signal.reason);
      return { ok: false, runId, error, attempts };
    }
    return { ok: false, runId, error: new FallbackExhaustedError(errorData()), attempts };
  } finally {
    cancelDeadline();
    run.unlink();
  }
}

function retryDelay(
  deps: EngineDeps,
  provider: ProviderSpec,
  attempt: number,
  failure: AttemptFailure,
  now: number,
  deadlineAt: number | undefined,
): number | 'failover' {
  const backoff = backoffDelay(provider.backoff, attempt, deps.random);
  const retryAfter = failure.retryAfterMs;
  if (deadlineAt === undefined && retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS)
    return 'failover';
  const delay = retryAfter === undefined ? backoff : Math.max(backoff, retryAfter);
  // A wait the run cannot afford would only end it at the deadline: the next provider is the better bet.
  if (deadlineAt !== undefined && delay > 0 && now + delay >= deadlineAt) return 'failover';
  return delay;
}

/**
 * `{ provider, ...output }`. A mapping may name the provider itself (seed 003 does); a raw response
 * may not, so that a vendor's own `provider` field never hides which provider served.
 */
function normalize(provider: ProviderSpec, response: unknown, scope: TemplateScope): Record<string, unknown> {
  if (!provider.mapOutput) {
    return isRecord(response)
      ? { ...response, provider: provider.name }
      : { provider: provider.name, value: response };
  }
  const mapped = provider.mapOutput(response, scope);
  return isRecord(mapped)
    ? { provider: provider.name, ...mapped }
    : { provider: provider.name, value: mapped };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isUnhealthy(health: HealthView, provider: ProviderSpec, product: string, env: string): boolean {
  if (!provider.healthcheck) return false;
  return health.get({ product, env, healthcheck: provider.healthcheck })?.provider_status === 'unhealthy';
}

function fallbackInfo(provider: ProviderSpec, failure: AttemptFailure): TemplateScope['fallback'] {
  return { error: failure.message, provider: provider.name, code: failure.code, status: failure.status };
}

function noop(): void {}
