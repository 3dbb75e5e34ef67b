import { cacheScopeOf } from '../cache/cache-key.js';
import { runThroughCache } from '../cache/cached-run.js';
import type { Caches } from '../cache/caches.js';
import type { AttemptRecord } from '../core/attempt.js';
import type { Chain } from '../core/chain.js';
import { type EngineDeps, runChain } from '../core/run-chain.js';
import { RunAbortedError } from '../core/run-errors.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import type { QuotaUses } from '../store/quota-uses.js';
import type { FallbackJobResult } from './job-data.js';
import type { JobOutcome, JobRun, JobStrategy } from './job-strategy.js';

export interface FallbackJobDeps {
  engine: EngineDeps;
  definitions: DefinitionResolver;
  caches: Caches;
  /** Counts the provider that served each quota job (required for quota jobs). */
  quotaUses?: QuotaUses | undefined;
}

/**
 * A fallback (or quota) job: the chain through the engine (and the result cache when the job names
 * one). A re-run after a crash starts at the provider the job had reached, with the same
 * idempotency keys, and a quota's never goes to a provider the job already tried.
 */
export function fallbackJob(
  deps: FallbackJobDeps,
  kind: 'fallback' | 'quota' = 'fallback',
): JobStrategy<Chain> {
  return {
    resolve: (data) =>
      kind === 'quota'
        ? deps.definitions.quota(data.product, data.tag)
        : deps.definitions.fallback(data.product, data.tag),
    run: (run) => runFallbackJob(deps, run, kind),
  };
}

async function runFallbackJob(
  deps: FallbackJobDeps,
  r: JobRun<Chain>,
  kind: 'fallback' | 'quota',
): Promise<JobOutcome> {
  const { job, data, definition: chain, input, session } = r;
  // A fallback's first provider is known (index 0); a quota's is drawn by weight, so even the
  // first pick is saved: a re-run must call the provider this run was calling, not draw again.
  let persistedStart = data.progress?.startAt ?? (kind === 'quota' ? -1 : 0);
  const request = {
    chain,
    env: data.env,
    input,
    runId: job.id!,
    runKey: r.runKey,
    signal: r.signal,
    session,
    logger: r.logger,
    startAt: data.progress?.startAt,
    previousAttempts: data.progress?.attempts,
    // Before calling a provider other than the one the job is on, record how far it got, so that
    // a re-run after a crash starts there instead of calling the earlier providers again; and, in
    // the same round trip, make sure this worker still holds the job: a worker whose lock expired
    // while another one took the job over must not call a second provider for it (job-fence.ts).
    beforeProvider: async (index: number, attempts: readonly AttemptRecord[]) => {
      if (index === persistedStart) return;
      persistedStart = index;
      await r.save({ ...data, progress: { startAt: index, attempts: [...attempts] } });
    },
  };
  const { outcome, cache } = data.cache
    ? await runThroughCache(
        await deps.caches.resultCache(),
        {
          cacheTag: data.cache,
          ...cacheScopeOf(chain, data.env, input, session),
          quota: kind === 'quota' || undefined,
        },
        job.id!,
        () => runChain(deps.engine, request),
        r.signal,
      )
    : { outcome: await runChain(deps.engine, request), cache: undefined };
  if (outcome.ok) {
    if (kind === 'quota' && !cache?.hit)
      deps.quotaUses?.add(chain.product, data.env, chain.tag, outcome.provider);
    const result: FallbackJobResult = {
      runId: outcome.runId,
      provider: outcome.provider,
      result: outcome.result,
      attempts: outcome.attempts,
    };
    if (cache) result.cache = cache;
    return {
      kind: 'completed',
      result,
      detail: { provider: result.provider, attempts: result.attempts.length },
    };
  }
  const { error } = outcome;
  // A quota job that reached no provider has nothing to resume: its re-run draws afresh.
  const progress =
    persistedStart < 0 ? {} : { progress: { startAt: persistedStart, attempts: outcome.attempts } };
  if (error instanceof RunAbortedError) return { kind: 'interrupted', progress, message: error.message };
  const detail = { attempts: outcome.attempts.length };
  return { kind: 'failed', progress, code: error.code, message: error.message, detail };
}
