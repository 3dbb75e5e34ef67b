import type { Clock } from '../core/clock.js';
import type { RateLimiter } from '../core/rate-limit.js';
import type { TargetContext } from '../core/target.js';
import type { OutboundFetch } from '../security/outbound-fetch.js';
import type { Redactor } from '../security/redactor.js';
import type { RedisStores } from '../store/redis-stores.js';
import { AppTargetAdapter } from './app-target.js';
import { FeatureTargetAdapter } from './feature-target.js';
import type { HandlerRegistry } from './handler-registry.js';
import { HttpAppTarget } from './http-target.js';
import { NestedFallbackTarget, type NestedRun } from './nested-fallback-target.js';
import type { TargetRegistry } from './target-registry.js';

export interface BuiltInTargets {
  stores: RedisStores;
  handlers: HandlerRegistry;
  clock: Clock;
  /** How HTTP apps are called: through the outbound policy. */
  fetch: OutboundFetch;
  /** Scrubs secret values from what providers answer in errors. */
  redactor: Redactor;
  /** Enforces app actions' `rateLimit` across processes. */
  rateLimits?: RateLimiter;
  /** Runs another chain, one level deeper. */
  runFallback: NestedRun;
  /** Runs a feature, one level deeper. */
  runFeature: (tag: string, input: unknown, ctx: TargetContext) => Promise<unknown>;
  /** Headers that carry the run's trace to HTTP providers, when tracing is on. */
  propagate?: (ctx: TargetContext) => Record<string, string> | undefined;
}

/** The targets every Backstop has: app actions (in-process handler or HTTP), handlers, nested chains and features. */
export function registerBuiltInTargets(targets: TargetRegistry, deps: BuiltInTargets): void {
  const apps = async (tag: string) => (await deps.stores.get()).apps.compiled(tag);
  targets.register(
    'app',
    new AppTargetAdapter(
      deps.handlers,
      new HttpAppTarget(apps, deps.clock, deps.fetch, deps.redactor, deps.propagate, deps.rateLimits),
    ),
  );
  targets.register('handler', { call: async (target, request, ctx) => target.fn(request, ctx) });
  targets.register('workflow', new NestedFallbackTarget(deps.runFallback));
  targets.register('feature', new FeatureTargetAdapter(deps.runFeature));
}
