import type { RunState } from './run-state.js';
import { pickWeighted, weightOf } from './weighted-pick.js';

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
  // Plain arrays, no per-pick objects: this runs on every quota run.
  const tried: boolean[] = new Array(providers.length).fill(false);
  const down: boolean[] = new Array(providers.length).fill(false);
  if (previousAttempts?.length) {
    for (const a of previousAttempts) {
      const index = providers.findIndex((p) => p.name === a.provider);
      if (index >= 0 && a.outcome !== 'skipped') tried[index] = true;
    }
  }
  if (startAt !== undefined && providers[startAt] && weightOf(providers[startAt]) > 0) {
    tried[startAt] = true;
    yield startAt;
  }
  const random = run.deps.random ?? Math.random;
  const weights = providers.map(weightOf);
  const healthy = (i: number) => !tried[i] && !down[i];
  const unhealthy = (i: number) => !tried[i] && down[i]!;
  for (;;) {
    for (let i = 0; i < providers.length; i++)
      if (!tried[i] && weights[i]! > 0) down[i] = !ignoreHealth && run.peekUnhealthy(providers[i]!);
    // The healthy ones share all the traffic while there are any; the unhealthy ones come last.
    const draw = random();
    const next = pickWeighted(weights, healthy, draw) ?? pickWeighted(weights, unhealthy, draw);
    if (next === undefined) return;
    tried[next] = true;
    yield next;
  }
}
