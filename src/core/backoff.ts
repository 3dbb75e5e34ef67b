/** How long to wait between retries of one provider. */
export interface BackoffSpec {
  type: 'fixed' | 'exponential';
  /** Base delay in ms; 0 means retry at once, with no timer at all. */
  delay: number;
  /** Cap for exponential growth. */
  maxDelay?: number | undefined;
  /** Full jitter: a uniformly random share of the delay, so retries of many runs do not align. */
  jitter?: boolean | undefined;
}

/** The longest delay a Node timer keeps (2^31-1 ms); anything longer fires after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

export const NO_BACKOFF: BackoffSpec = Object.freeze({ type: 'fixed', delay: 0 });

/** Delay before retry number `retry` (1-based). */
export function backoffDelay(spec: BackoffSpec, retry: number, random: () => number = Math.random): number {
  if (spec.delay <= 0) return 0;
  let delay = spec.type === 'exponential' ? spec.delay * 2 ** (retry - 1) : spec.delay;
  if (spec.maxDelay !== undefined) delay = Math.min(delay, spec.maxDelay);
  delay = Math.min(delay, MAX_TIMER_DELAY_MS); // exponential growth must not overflow into a 1 ms timer
  if (spec.jitter) delay = Math.floor(random() * delay);
  return delay;
}
