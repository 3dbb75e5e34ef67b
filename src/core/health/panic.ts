/**
 * The total-outage policy between trying every provider anyway and failing at once: when fewer than
 * `threshold` % of a chain's providers are healthy, `share` of its runs ignore health and call every
 * provider in order (so a recovery is noticed by live traffic at once), the others skip the unhealthy
 * ones and fail when none is left (so the load on providers that are down is shed).
 */
export interface PanicPolicy {
  /** % of the chain's providers that must be healthy (not out of rotation) for health to be followed on every run. */
  threshold: number;
  /** Share of runs (0 to 1) that ignore health while below the threshold. */
  share: number;
}

export const DEFAULT_PANIC: PanicPolicy = Object.freeze({ threshold: 50, share: 0.05 });

/** Whether this run ignores health: the chain is below the threshold and the draw falls in the share. */
export function panics(healthy: number, total: number, policy: PanicPolicy, draw: number): boolean {
  if (total === 0 || (100 * healthy) / total >= policy.threshold) return false;
  return draw < policy.share;
}
