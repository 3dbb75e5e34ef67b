import { settleAmbiguity, settles, type Unsettled } from './ambiguity.js';
import type { AttemptRecord } from './attempt.js';
import { failed, skipped, succeeded } from './attempt-records.js';
import { backoffDelay } from './backoff.js';
import { type CallResult, callOnce } from './call-attempt.js';
import type { ProviderSpec } from './chain.js';
import type { Verdict } from './classify.js';
import { sleep } from './clock.js';
import { callUnderDrill } from './drill-call.js';
import { ErrorCodes } from './errors.js';
import { type AttemptFailure, toFailure } from './failure.js';
import { callHedged } from './hedge.js';
import { idempotencyKeyFor } from './idempotency.js';
import { normalize } from './normalize.js';
import { takeRateSlot } from './rate-gate.js';
import type { RunOutcome } from './run-chain.js';
import { FallbackStoppedError, MappingFailedError } from './run-errors.js';
import type { RunState } from './run-state.js';
import type { TemplateScope } from './template/scope.js';

/** Retry-After longer than this, with no deadline to bound it, fails over instead of waiting. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** What trying one provider came to: a final outcome, or go on to the next provider. */
export type Step = RunOutcome | 'skipped' | 'next';

/**
 * One provider: skip it when unhealthy (unless told to ignore health); map the input; try it up
 * to `retries + 1` times, each attempt bounded by its timeout, waiting the backoff in between; a
 * failure's verdict decides between retrying, failing over and stopping the chain. Ambiguous
 * failures (the provider may have acted) are retried like refusals, with the same key; if the
 * last word stays ambiguous, `onAmbiguous` decides what comes next (ambiguity.ts).
 */
export async function tryProvider(run: RunState, index: number, ignoreHealth: boolean): Promise<Step> {
  const { deps, req, scope } = run;
  const { clock } = deps;
  const provider = run.req.chain.providers[index]!;
  const idempotencyKey = idempotencyKeyFor(req.runKey, provider.name);
  if (!ignoreHealth && !run.admits(provider) && !run.panics()) {
    run.record(skipped(provider, idempotencyKey, clock.now(), 'unhealthy'));
    run.report(provider, 'skipped', 0);
    return 'skipped';
  }

  scope.run = { idempotencyKey, runId: req.runId, provider: provider.name };
  let request: unknown;
  try {
    request = provider.mapInput ? provider.mapInput(req.input, scope) : req.input;
  } catch (error) {
    const failure = toFailure(error);
    run.providerErrors[provider.name] = failure;
    run.record(failed(provider, idempotencyKey, 1, clock.now(), 0, failure, 'failover'));
    run.failed(provider, failure.code);
    scope.fallback = fallbackInfo(provider, failure);
    return 'next';
  }

  if (req.beforeProvider) await req.beforeProvider(index, run.attempts);
  let unsettled: Unsettled | undefined;
  for (let attempt = 1; attempt <= provider.retries + 1; attempt++) {
    if (run.signal.aborted) return 'next';
    // Over the provider's shared rate limit: wait for a slot within the deadline, else fail over.
    // No await at all for the common provider without a limit: this loop is every attempt's path.
    const slot = provider.rateLimit ? await takeRateSlot(run, provider, deps.rateLimits) : 'free';
    if (slot === 'limited') {
      const failure = rateLimited(provider);
      run.providerErrors[provider.name] = failure;
      run.record(skipped(provider, idempotencyKey, clock.now(), 'rate-limited'));
      run.report(provider, 'skipped', 0);
      scope.fallback = fallbackInfo(provider, failure);
      return 'next';
    }
    const waited = typeof slot === 'number' && slot > 0 ? slot : undefined;
    const attemptStart = clock.now();
    run.calling(provider, attempt, attemptStart);
    const inFlight = run.startCall(provider);
    const attemptCall = {
      clock,
      targets: deps.targets,
      logger: run.logger,
      provider,
      request,
      attempt,
      idempotencyKey,
      runSignal: run.signal,
      deadlineAt: run.deadlineAt,
      identity: run.identity,
    };
    // A drill on this provider (rare) decides the attempt; otherwise the plain call, no closure.
    const drill = deps.drills?.find(run.identity.product, run.identity.env, provider, attemptStart);
    let call: CallResult & { hedges?: number };
    let drilled = false;
    if (drill) {
      const plain = () => (provider.hedge ? callHedged(attemptCall, provider.hedge) : callOnce(attemptCall));
      ({ call, drilled } = await callUnderDrill(drill, attemptCall, deps.random ?? Math.random, plain));
    } else
      call = provider.hedge ? await callHedged(attemptCall, provider.hedge) : await callOnce(attemptCall);
    const durationMs = clock.now() - attemptStart;
    const hedged = call.hedges ? call.hedges : undefined;

    if (call.ok) {
      run.record(
        withHedges(
          succeeded(provider, idempotencyKey, attempt, attemptStart, durationMs, call.warnings),
          hedged,
          drilled,
          waited,
        ),
      );
      run.report(provider, 'success', durationMs, undefined, inFlight);
      try {
        const result = normalize(provider, call.response, scope);
        return { ok: true, runId: req.runId, provider: provider.name, result, attempts: run.attempts };
      } catch (error) {
        const mapping = new MappingFailedError(run.errorData(), provider.name, call.response, error);
        return { ok: false, runId: req.runId, error: mapping, attempts: run.attempts };
      }
    }

    const failure = call.failure;
    const runEnded = run.signal.aborted;
    const verdict: Verdict = runEnded ? 'stop' : req.chain.classify(failure);
    if (verdict === 'ambiguous') unsettled = { idempotencyKey, request, failure, attempt };
    else if (unsettled && settles(failure)) unsettled = undefined;
    else if (unsettled) unsettled.attempt = attempt;
    run.providerErrors[provider.name] = failure;
    scope.fallback = fallbackInfo(provider, failure);
    run.record(
      withHedges(
        failed(provider, idempotencyKey, attempt, attemptStart, durationMs, failure, verdict, call.warnings),
        hedged,
        drilled,
        waited,
      ),
    );
    run.failed(provider, failure.code);
    // Only failures that say the provider is in trouble count against its health.
    const troubled = verdict === 'retry' || verdict === 'ambiguous';
    run.report(provider, troubled ? 'failure' : 'rejected', durationMs, failure, inFlight);
    run.logger.debug(
      { runId: req.runId, provider: provider.name, attempt, code: failure.code, verdict },
      'attempt failed',
    );

    if (runEnded) return 'next';
    if (verdict === 'stop') {
      const error = new FallbackStoppedError(run.errorData(), provider.name, failure.cause);
      return { ok: false, runId: req.runId, error, attempts: run.attempts };
    }
    if (verdict === 'failover' || attempt > provider.retries) break;

    const delay = retryDelay(run, provider, attempt, failure);
    if (delay === 'failover') break;
    if (delay > 0) {
      try {
        await sleep(clock, delay, run.signal);
      } catch {
        return 'next'; // the deadline or the caller ended the run while we waited
      }
    }
  }
  return unsettled ? settleAmbiguity(run, provider, unsettled) : 'next';
}

function retryDelay(
  run: RunState,
  provider: ProviderSpec,
  attempt: number,
  failure: AttemptFailure,
): number | 'failover' {
  const backoff = backoffDelay(provider.backoff, attempt, run.deps.random);
  const retryAfter = failure.retryAfterMs;
  const { deadlineAt } = run;
  if (deadlineAt === undefined && retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS)
    return 'failover';
  const delay = retryAfter === undefined ? backoff : Math.max(backoff, retryAfter);
  // A wait the run cannot afford would only end it at the deadline: the next provider is the better bet.
  if (deadlineAt !== undefined && delay > 0 && run.deps.clock.now() + delay >= deadlineAt) return 'failover';
  return delay;
}

/**
 * Marks what the record must say beyond the basics: hedged calls, a drill's hand in the attempt,
 * and how long it waited for a rate-limit slot.
 */
function withHedges(
  record: AttemptRecord,
  hedged: number | undefined,
  drilled: boolean,
  waited: number | undefined,
): AttemptRecord {
  if (hedged !== undefined) record.hedged = hedged;
  if (drilled) record.drill = true;
  if (waited !== undefined) record.rateLimitedMs = waited;
  return record;
}

function rateLimited(provider: ProviderSpec): AttemptFailure {
  const limit = provider.rateLimit!;
  return {
    code: ErrorCodes.RATE_LIMITED,
    message: `over its rate limit of ${limit.max} calls per ${limit.perMs} ms, with no slot free in time`,
    sent: false,
    cause: undefined,
  };
}

function fallbackInfo(provider: ProviderSpec, failure: AttemptFailure): TemplateScope['fallback'] {
  return { error: failure.message, provider: provider.name, code: failure.code, status: failure.status };
}
