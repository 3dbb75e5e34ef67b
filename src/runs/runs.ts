import { randomUUID } from 'node:crypto';
import { featuresAreNotCached } from '../cache/cache-definition.js';
import { cacheScopeOf } from '../cache/cache-key.js';
import { runThroughCache } from '../cache/cached-run.js';
import type { Caches } from '../cache/caches.js';
import type { BatchOutcome } from '../core/batch/batch-result.js';
import type { Defaults } from '../core/defaults.js';
import { type FeatureDeps, runFeature } from '../core/feature/run-feature.js';
import type { Logger } from '../core/logger.js';
import { checkNestingDepth } from '../core/nesting.js';
import { type EngineDeps, runChain } from '../core/run-chain.js';
import { parseRunParams, type RunParams } from '../core/run-target.js';
import type { Claims } from '../core/session.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { QuotaUses } from '../store/quota-uses.js';
import type { RedisStores } from '../store/redis-stores.js';
import { type BatchParams, runBatchHere } from './batch-runs.js';
import type { FeatureReport } from './feature-report.js';
import { nestedParams } from './nested-runs.js';
import type { RunReport } from './run-report.js';

export interface RunsDeps {
  engine: EngineDeps;
  definitions: DefinitionResolver;
  sessions: SessionRegistry;
  caches: Caches;
  stores: RedisStores;
  defaults: Defaults;
  logger: Logger;
  /** Counts which provider served each quota run, across processes. */
  quotaUses: QuotaUses;
}

/** How deep a run is nested, and the verified claims it inherits from the run that nests it. */
export interface Nesting {
  depth: number;
  session: Claims | undefined;
}

const TOP: Nesting = { depth: 0, session: undefined };

/**
 * Runs in this process (`fallback.run`, `features.run`, the processor API's trigger, and the nested
 * runs of providers and feature steps): parse the parameters, verify the session, resolve the
 * definition, validate the input, go through the result cache when named, run the engine.
 */
export class Runs {
  /** What feature steps call to run a chain or another feature, nested one level deeper. */
  readonly nested: FeatureDeps;

  constructor(private readonly deps: RunsDeps) {
    this.nested = {
      engine: deps.engine,
      runFallback: (tag, input, ctx) => this.fallback(nestedParams(tag, input, ctx), ctx),
      runFeature: (tag, input, ctx) => this.feature(nestedParams(tag, input, ctx), ctx),
    };
  }

  /** A fallback run; rejects with a FallbackRunError carrying every attempt when no provider served. */
  fallback<T = Record<string, unknown>>(params: RunParams, nesting: Nesting = TOP): Promise<RunReport<T>> {
    return this.chain<T>('fallback', params, nesting);
  }

  /** A quota run (providers picked by weight), counted for `quota.status`; rejects as a fallback run does. */
  async quota<T = Record<string, unknown>>(params: RunParams, nesting: Nesting = TOP): Promise<RunReport<T>> {
    return this.chain<T>('quota', params, nesting);
  }

  private async chain<T>(
    kind: 'fallback' | 'quota',
    params: RunParams,
    nesting: Nesting,
  ): Promise<RunReport<T>> {
    const { deps } = this;
    const resolved = parseRunParams(params, deps.defaults);
    // The token is checked first: an invalid session calls nothing and reveals nothing.
    const session = resolved.session ? await deps.sessions.verify(resolved.session) : nesting.session;
    checkNestingDepth(nesting.depth, kind, resolved.tag);
    const chain =
      kind === 'quota'
        ? await deps.definitions.quota(resolved.product, resolved.tag)
        : await deps.definitions.fallback(resolved.product, resolved.tag);
    const input = chain.validateInput(resolved.input);
    // Provider state lives in Redis: a chain with healthchecks waits for the snapshot, once.
    if (!deps.stores.connected && chain.providers.some((p) => p.healthcheck)) await deps.stores.get();
    const runId = resolved.runId ?? randomUUID();
    const started = performance.now();
    const request = {
      chain,
      env: resolved.env,
      input,
      runId,
      runKey: resolved.idempotencyKey ?? runId,
      signal: resolved.signal,
      depth: nesting.depth,
      session,
    };
    const cacheTag = resolved.cache;
    // Without a cache, the engine directly: no closure or extra promise on the common path.
    const { outcome, cache } = cacheTag
      ? await runThroughCache(
          await deps.caches.resultCache(),
          {
            cacheTag,
            ...cacheScopeOf(chain, resolved.env, input, session),
            quota: kind === 'quota' || undefined,
          },
          runId,
          () => runChain(deps.engine, request),
          resolved.signal,
        )
      : { outcome: await runChain(deps.engine, request), cache: undefined };
    if (!outcome.ok) {
      deps.logger.warn(
        { runId, tag: chain.tag, product: chain.product, code: outcome.error.code },
        outcome.error.message,
      );
      throw outcome.error;
    }
    // A result served from the cache used no provider.
    if (kind === 'quota' && !cache?.hit)
      deps.quotaUses.add(chain.product, resolved.env, chain.tag, outcome.provider);
    return {
      runId,
      provider: outcome.provider,
      result: outcome.result as T & { provider: string },
      attempts: outcome.attempts,
      durationMs: performance.now() - started,
      cache,
    };
  }

  /** A batch run of a fallback: tier by tier, only the unserved items go on (batch-runs.ts). */
  batch(params: BatchParams): Promise<BatchOutcome> {
    return runBatchHere(this.deps, params);
  }

  /** A feature run; rejects with a FeatureStepFailedError naming the failed step. */
  async feature<T = unknown>(params: RunParams, nesting: Nesting = TOP): Promise<FeatureReport<T>> {
    const { deps } = this;
    const resolved = parseRunParams(params, deps.defaults);
    if (resolved.cache) throw featuresAreNotCached();
    const session = resolved.session ? await deps.sessions.verify(resolved.session) : nesting.session;
    checkNestingDepth(nesting.depth, 'feature', resolved.tag);
    const feature = await deps.definitions.feature(resolved.product, resolved.tag);
    const input = feature.validateInput(resolved.input);
    const runId = resolved.runId ?? randomUUID();
    const started = performance.now();
    const outcome = await runFeature(this.nested, {
      feature,
      env: resolved.env,
      input,
      runId,
      runKey: resolved.idempotencyKey ?? runId,
      session,
      signal: resolved.signal,
      depth: nesting.depth,
    });
    if (!outcome.ok) {
      const { error } = outcome;
      deps.logger.warn(
        { runId, feature: feature.tag, product: feature.product, step: error.step, code: error.causeCode },
        error.message,
      );
      throw error;
    }
    return {
      runId,
      feature: feature.tag,
      output: outcome.output as T,
      steps: outcome.steps,
      durationMs: performance.now() - started,
    };
  }
}
