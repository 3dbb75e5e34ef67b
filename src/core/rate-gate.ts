import type { ProviderSpec } from './chain.js';
import { sleep } from './clock.js';
import type { RateLimiter } from './rate-limit.js';
import type { RunState } from './run-state.js';

/**
 * The key a provider's calls are counted under, shared by every chain and process that calls it:
 * an app action is one provider wherever it appears; other targets are counted per chain option.
 */
export function rateKeyOf(product: string, tag: string, provider: ProviderSpec): string {
  const target = provider.target;
  return target.kind === 'app'
    ? `app:${target.app}:${target.action}`
    : `option:${product}:${tag}:${provider.name}`;
}

/**
 * Waits for a slot of the provider's rate limit: as long as the run's deadline allows (without
 * one, until a slot frees, which is within one window). `waitedMs` when a slot was taken (0 when free at once), `limited`
 * when none frees up in time (the run fails over), `free` when the provider has no limit.
 */
export async function takeRateSlot(
  run: RunState,
  provider: ProviderSpec,
  limiter: RateLimiter | undefined,
): Promise<number | 'limited' | 'free'> {
  const limit = provider.rateLimit;
  if (!limit || !limiter) return 'free';
  const { clock } = run.deps;
  const start = clock.now();
  // A slot frees within one window at most: without a deadline there is always time to wait.
  const until = run.deadlineAt ?? Number.POSITIVE_INFINITY;
  const key = rateKeyOf(run.req.chain.product, run.req.chain.tag, provider);
  for (let waited = false; ; waited = true) {
    const slot = await limiter.take(key, limit);
    if (slot.ok) return waited ? clock.now() - start : 0;
    if (run.signal.aborted || clock.now() + slot.waitMs > until) return 'limited';
    try {
      await sleep(clock, slot.waitMs, run.signal);
    } catch {
      return 'limited'; // the run ended while waiting
    }
  }
}
