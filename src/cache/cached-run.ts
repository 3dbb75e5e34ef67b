import type { AttemptRecord } from '../core/attempt.js';
import type { RunOutcome } from '../core/run-chain.js';
import type { CacheScope } from './cache-key.js';
import type { CachedEntry, ResultCache } from './result-cache.js';

/** What a run that named a cache says about it (`RunReport.cache`). */
export interface CacheInfo {
  tag: string;
  /** True when no provider was called: a stored result, or the result of an identical run in flight. */
  hit: boolean;
  /** When the served result was stored, and by which run. */
  storedAt?: string | undefined;
  runId?: string | undefined;
}

/**
 * Runs through the result cache when the run names one; a served result becomes an ordinary
 * successful outcome whose only attempt record says where it came from.
 */
export async function runThroughCache(
  cache: ResultCache | undefined,
  scope: CacheScope | undefined,
  runId: string,
  run: () => Promise<RunOutcome>,
  signal?: AbortSignal,
): Promise<{ outcome: RunOutcome; cache?: CacheInfo }> {
  if (!cache || !scope) return { outcome: await run() };
  const through = await cache.through(scope, run, signal);
  if (through.kind === 'ran') return { outcome: through.outcome, cache: { tag: scope.cacheTag, hit: false } };
  const { entry } = through;
  const attempts = [cachedAttempt(entry, scope.cacheTag)];
  return {
    outcome: { ok: true, runId, provider: entry.provider, result: entry.result, attempts },
    cache: { tag: scope.cacheTag, hit: true, storedAt: entry.storedAt, runId: entry.runId },
  };
}

function cachedAttempt(entry: CachedEntry, tag: string): AttemptRecord {
  const served = entry.attempts.findLast((a) => a.outcome === 'success') ?? entry.attempts.at(-1);
  return {
    provider: entry.provider,
    attempt: 0,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    outcome: 'success',
    idempotencyKey: served?.idempotencyKey ?? '',
    cache: { tag, storedAt: entry.storedAt, runId: entry.runId },
  };
}
