import { verified } from './attempt-records.js';
import { callOnce } from './call-attempt.js';
import type { ProviderSpec } from './chain.js';
import type { AttemptFailure } from './failure.js';
import { normalize } from './normalize.js';
import { FallbackAmbiguousError, MappingFailedError } from './run-errors.js';
import type { RunState } from './run-state.js';
import type { TargetContext } from './target.js';
import type { Step } from './try-provider.js';
import { type AmbiguityPolicy, checkAnswer, type Verifier, type VerifyAnswer } from './verify.js';

/** A provider whose retries are used up while it may have acted on a call. */
export interface Unsettled {
  idempotencyKey: string;
  /** The mapped request its attempts sent. */
  request: unknown;
  /** The failure that left it unknown. */
  failure: AttemptFailure;
  /** The number of its last attempt. */
  attempt: number;
}

/** 4xx answers that do not speak for the key: sent from in front of the provider, or a conflict over it. */
const UNSETTLING = new Set([408, 409, 429]);

/**
 * Whether a later answer settles an earlier ambiguous attempt. A provider that honours idempotency
 * keys answers a repeat of a call it carried out with that call's result; so a clear refusal of the
 * same key (a 4xx) says the earlier call did not go through. Not 408 and 429, which proxies and
 * rate limiters in front of it send too, nor 409, which providers use for a key still being
 * processed (Stripe) even where the app does not say so. Only an answer that carried the key counts
 * (`keyed`): for a provider that does not take the key, nothing settles it.
 */
export function settles(failure: AttemptFailure): boolean {
  const { status } = failure;
  return (
    failure.keyed === true && status !== undefined && status >= 400 && status < 500 && !UNSETTLING.has(status)
  );
}

/** The policy a provider follows: its own, the chain's, `verify` when it can, else `failover`. */
export function policyOf(run: RunState, provider: ProviderSpec): AmbiguityPolicy {
  return provider.onAmbiguous ?? run.req.chain.onAmbiguous ?? (provider.verify ? 'verify' : 'failover');
}

/**
 * After a provider's retries, with its last outcome unknown: fail over (the risk of paying twice
 * is the chain's choice), stop with BACKSTOP_FALLBACK_AMBIGUOUS, or ask the provider first.
 */
export async function settleAmbiguity(
  run: RunState,
  provider: ProviderSpec,
  pending: Unsettled,
): Promise<Step> {
  const policy = policyOf(run, provider);
  run.ambiguous(provider, pending.idempotencyKey, pending.failure.code, policy);
  if (policy === 'failover') {
    run.logger.warn(
      { runId: run.req.runId, provider: provider.name, code: pending.failure.code },
      'failing over although the provider may have acted (onAmbiguous: failover)',
    );
    return 'next';
  }
  if (policy === 'stop' || !provider.verify) return stop(run, provider, pending, undefined);

  const at = run.deps.clock.now();
  const { answer, failure } = await ask(run, provider, provider.verify, pending);
  const durationMs = run.deps.clock.now() - at;
  const { idempotencyKey, attempt } = pending;
  run.record(verified(provider, idempotencyKey, attempt, at, durationMs, answer.status, failure));
  if (run.signal.aborted) return 'next'; // the deadline or the caller ended the run while it asked
  if (answer.status === 'not-found') return 'next';
  if (answer.status === 'unknown') return stop(run, provider, pending, 'unknown');
  const { req } = run;
  try {
    const result = normalize(provider, answer.response, run.scope);
    return { ok: true, runId: req.runId, provider: provider.name, result, attempts: run.attempts };
  } catch (error) {
    const mapping = new MappingFailedError(run.errorData(), provider.name, answer.response, error);
    return { ok: false, runId: req.runId, error: mapping, attempts: run.attempts };
  }
}

function stop(
  run: RunState,
  provider: ProviderSpec,
  pending: Unsettled,
  verify: 'unknown' | undefined,
): Step {
  const { req } = run;
  const error = new FallbackAmbiguousError(
    run.errorData(),
    provider.name,
    pending.idempotencyKey,
    verify,
    pending.failure.cause,
  );
  return { ok: false, runId: req.runId, error, attempts: run.attempts };
}

/**
 * Asks through the same path as an attempt (the provider's timeout, the run's signal), so a
 * verify that hangs or ignores its signal cannot hold the chain; a verify that throws or answers
 * nonsense counts as `unknown`.
 */
async function ask(
  run: RunState,
  provider: ProviderSpec,
  verifier: Verifier,
  pending: Unsettled,
): Promise<{ answer: VerifyAnswer; failure?: AttemptFailure | undefined }> {
  const { deps, req } = run;
  const { failure } = pending;
  const fn = async (request: unknown, ctx: TargetContext) =>
    verifier({
      idempotencyKey: ctx.idempotencyKey,
      request,
      input: req.input,
      signal: ctx.signal,
      provider: provider.name,
      runId: ctx.runId,
      product: ctx.product,
      env: ctx.env,
      tag: ctx.tag,
      failure: { code: failure.code, message: failure.message, status: failure.status },
      logger: ctx.logger,
      call: (target, body) => deps.targets.call(target, body, ctx),
    });
  const call = await callOnce({
    clock: deps.clock,
    targets: deps.targets,
    logger: run.logger,
    provider: { ...provider, target: { kind: 'handler', fn } },
    request: pending.request,
    attempt: pending.attempt,
    idempotencyKey: pending.idempotencyKey,
    runSignal: run.signal,
    deadlineAt: run.deadlineAt,
    identity: run.identity,
  });
  if (!call.ok) return { answer: { status: 'unknown', reason: call.failure.message }, failure: call.failure };
  return { answer: checkAnswer(call.response) };
}
