import type { ProviderSpec } from './chain.js';
import { type Clock, sleep } from './clock.js';
import type { RateLimiter, RateLimitSpec } from './rate-limit.js';
import type { RunState } from './run-state.js';

/**
 * An option's limit counts the calls of that option of that chain, in every process. (An app
 * action's own `rateLimit` counts its calls from every chain: `app:<app>:<action>`.)
 */
export function optionRateKey(product: string, tag: string, provider: ProviderSpec): string {
  return `option:${product}:${tag}:${provider.name}`;
}

/**
 * Takes a slot of `key`'s window, waiting while `untilAt` allows (a slot frees within one window at
 * most, so without a bound there is always time). The ms waited (0 when free at once), or
 * `limited` when no slot frees in time or `signal` ends the wait.
 */
export async function waitForSlot(
  limiter: RateLimiter,
  key: string,
  limit: RateLimitSpec,
  clock: Clock,
  untilAt: number,
  signal: AbortSignal,
): Promise<number | 'limited'> {
  const start = clock.now();
  for (let waited = false; ; waited = true) {
    const slot = await limiter.take(key, limit);
    if (slot.ok) return waited ? clock.now() - start : 0;
    if (signal.aborted || clock.now() + slot.waitMs > untilAt) return 'limited';
    try {
      await sleep(clock, slot.waitMs, signal);
    } catch {
      return 'limited'; // the run or attempt ended while waiting
    }
  }
}

/** An option's limit before an attempt: `free` when it has none. */
export function takeRateSlot(
  run: RunState,
  provider: ProviderSpec,
  limiter: RateLimiter | undefined,
): Promise<number | 'limited' | 'free'> {
  const limit = provider.rateLimit;
  if (!limit || !limiter) return Promise.resolve('free');
  const key = optionRateKey(run.req.chain.product, run.req.chain.tag, provider);
  return waitForSlot(
    limiter,
    key,
    limit,
    run.deps.clock,
    run.deadlineAt ?? Number.POSITIVE_INFINITY,
    run.signal,
  );
}
