import { linkedController, NEVER_ABORTED } from './abort.js';
import type { AttemptRecord } from './attempt.js';
import { DeadlineReachedError } from './provider-errors.js';
import { providerOrder } from './provider-order.js';
import {
  DeadlineExceededError,
  FallbackExhaustedError,
  type FallbackRunError,
  RunAbortedError,
} from './run-errors.js';
import { type EngineDeps, type RunRequest, RunState } from './run-state.js';
import { tryProvider } from './try-provider.js';

export type { EngineDeps, RunRequest } from './run-state.js';
export { MAX_RETRY_AFTER_MS } from './try-provider.js';

export type RunOutcome =
  | { ok: true; runId: string; provider: string; result: Record<string, unknown>; attempts: AttemptRecord[] }
  | { ok: false; runId: string; error: FallbackRunError; attempts: AttemptRecord[] };

/**
 * The failover algorithm. Providers are tried in the chain's order (provider-order.ts: as written
 * for a fallback, by weight for a quota; try-provider.ts: skip when out of rotation,
 * retry with backoff, classify each failure into retry / fail over / stop), the whole run bounded
 * by the chain's deadline; the first success, mapped, is the result. Under `whenAllUnhealthy:
 * 'panic'` (the default) a share of runs ignore health while few providers are healthy (decided at
 * the run's first skip); `'try-anyway'` tries every provider again when all were skipped.
 */
export async function runChain(deps: EngineDeps, req: RunRequest): Promise<RunOutcome> {
  const events = deps.events;
  if (!events?.active) return failover(deps, req);
  const started = deps.clock.now();
  const run = {
    runId: req.runId,
    product: req.chain.product,
    env: req.env,
    tag: req.chain.tag,
    depth: req.depth ?? 0,
  };
  if (events.listens('run.started')) events.emit({ type: 'run.started', run, at: started });
  let outcome: RunOutcome;
  try {
    outcome = await failover(deps, req);
  } catch (error) {
    // Not ours (a bug, or an error a listener must not swallow): re-thrown untouched, but the run
    // still ends for those who count and trace it.
    const at = deps.clock.now();
    const code = (error as { code?: unknown } | null)?.code;
    const outcome = typeof code === 'string' ? code : 'error';
    events.emit({
      type: 'run.ended',
      run,
      at,
      durationMs: at - started,
      outcome,
      provider: undefined,
      attempts: [],
    });
    throw error;
  }
  if (!events.listens('run.ended')) return outcome;
  const at = deps.clock.now();
  events.emit({
    type: 'run.ended',
    run,
    at,
    durationMs: at - started,
    outcome: outcome.ok ? 'success' : outcome.error.code,
    provider: outcome.ok ? outcome.provider : undefined,
    attempts: outcome.attempts,
  });
  return outcome;
}

async function failover(deps: EngineDeps, req: RunRequest): Promise<RunOutcome> {
  const { chain } = req;
  const deadlineMs = chain.deadlineMs;
  const deadlineAt = deadlineMs === undefined ? undefined : deps.clock.now() + deadlineMs;
  // Only a deadline needs a controller of the run's own; otherwise the caller's signal (or none) will do.
  const run = deadlineMs !== undefined ? linkedController(req.signal) : undefined;
  const signal = run?.controller.signal ?? req.signal ?? NEVER_ABORTED;
  const cancelDeadline =
    deadlineMs === undefined
      ? noop
      : deps.clock.setTimer(deadlineMs, () => run?.controller.abort(new DeadlineReachedError(deadlineMs)));
  const state = new RunState(deps, req, signal, deadlineAt);

  try {
    for (const ignoreHealth of [false, true]) {
      let called = false;
      for (const index of providerOrder(state, ignoreHealth)) {
        if (signal.aborted) break;
        const step = await tryProvider(state, index, ignoreHealth);
        if (typeof step === 'object') return step;
        if (step === 'next') called = true;
      }
      if (called || signal.aborted || chain.whenAllUnhealthy !== 'try-anyway') break;
      state.logger.warn(
        { runId: req.runId, tag: chain.tag },
        'every provider is unhealthy: trying them anyway',
      );
    }
    const { attempts } = state;
    if (signal.aborted) {
      const error =
        signal.reason instanceof DeadlineReachedError
          ? new DeadlineExceededError(state.errorData(), deadlineMs ?? 0)
          : new RunAbortedError(state.errorData(), signal.reason);
      return { ok: false, runId: req.runId, error, attempts };
    }
    return { ok: false, runId: req.runId, error: new FallbackExhaustedError(state.errorData()), attempts };
  } finally {
    cancelDeadline();
    run?.unlink();
  }
}

function noop(): void {}
