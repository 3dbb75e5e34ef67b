import type { RunState } from './run-state.js';
import { pickWeighted, type WeightedCandidate, weightOf } from './weighted-pick.js';

/**
 * The order a run tries providers in, the one thing fallbacks and quotas do differently; the rest
 * of the run (retries, health, idempotency keys, attempt records, onAmbiguous, deadlines) is the
 * same machinery. Lazy: the next provider is chosen only once the one before it has failed.
 *
 * - `ordered` (a fallback): from `startAt` to the last, as written.
 * - `weighted` (a quota): by weight among the providers not yet tried, the healthy ones first, so
 *   an unhealthy provider's weight goes to the others; when only unhealthy ones are left they come
 *   last (try-provider skips them unless the run panics). Weight 0 is never picked. A resumed job
 *   first goes back to the provider it was calling, and never to one it already tried.
 */
export function providerOrder(run: RunState, ignoreHealth: boolean): Iterable<number> {
  const { chain, startAt } = run.req;
  if (chain.selection !== 'weighted') return ordered(startAt ?? 0, chain.providers.length);
  return weighted(run, ignoreHealth);
}

function* ordered(from: number, to: number): Generator<number> {
  for (let index = from; index < to; index++) yield index;
}

function* weighted(run: RunState, ignoreHealth: boolean): Generator<number> {
  const { chain, startAt, previousAttempts } = run.req;
  const providers = chain.providers;
  const tried = new Set<number>();
  if (previousAttempts?.length) {
    const byName = new Map(providers.map((p, i) => [p.name, i]));
    for (const a of previousAttempts) {
      const index = byName.get(a.provider);
      if (index !== undefined && a.outcome !== 'skipped') tried.add(index);
    }
  }
  if (startAt !== undefined && providers[startAt] && weightOf(providers[startAt]) > 0) {
    tried.add(startAt);
    yield startAt;
  }
  const random = run.deps.random ?? Math.random;
  for (;;) {
    const healthy: WeightedCandidate[] = [];
    const unhealthy: WeightedCandidate[] = [];
    for (const [index, provider] of providers.entries()) {
      const weight = weightOf(provider);
      if (weight <= 0 || tried.has(index)) continue;
      const down = !ignoreHealth && run.peekUnhealthy(provider);
      (down ? unhealthy : healthy).push({ index, weight });
    }
    const next = pickWeighted(healthy.length > 0 ? healthy : unhealthy, random());
    if (next === undefined) return;
    tried.add(next);
    yield next;
  }
}
