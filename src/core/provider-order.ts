import type { Chain } from './chain.js';
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

/** Each chain's weights, worked out once (a compiled chain never changes). */
const WEIGHTS = new WeakMap<Chain, number[]>();

function weightsOf(chain: Chain): number[] {
  let weights = WEIGHTS.get(chain);
  if (!weights) {
    weights = chain.providers.map(weightOf);
    WEIGHTS.set(chain, weights);
  }
  return weights;
}

/**
 * Draws by weight among the providers not yet tried; a draw that lands on an unhealthy one sets it
 * aside and draws again. That is rejection sampling: the healthy ones get exactly their share of
 * the weight among themselves, and a run reads the health of the providers it draws, not of all.
 */
function* weighted(run: RunState, ignoreHealth: boolean): Generator<number> {
  const { chain, startAt, previousAttempts } = run.req;
  const providers = chain.providers;
  const weights = weightsOf(chain);
  // Tried, or found unhealthy: out of the next draw. Plain arrays: this runs on every quota run.
  const leftOut: boolean[] = new Array(providers.length).fill(false);
  const down: boolean[] = new Array(providers.length).fill(false);
  if (previousAttempts?.length) {
    for (const a of previousAttempts) {
      const index = providers.findIndex((p) => p.name === a.provider);
      if (index >= 0 && a.outcome !== 'skipped') leftOut[index] = true;
    }
  }
  if (startAt !== undefined && providers[startAt] && weights[startAt]! > 0) {
    leftOut[startAt] = true;
    yield startAt;
  }
  const random = run.deps.random ?? Math.random;
  for (;;) {
    const next = pickWeighted(weights, random(), leftOut);
    if (next === undefined) break;
    leftOut[next] = true;
    if (!ignoreHealth && run.peekUnhealthy(providers[next]!)) {
      down[next] = true;
      continue;
    }
    yield next;
  }
  // Only unhealthy ones are left: they come last, by weight (try-provider skips them unless the run panics).
  const notDown = down.map((d) => !d);
  for (;;) {
    const next = pickWeighted(weights, random(), notDown);
    if (next === undefined) return;
    notDown[next] = true;
    yield next;
  }
}
