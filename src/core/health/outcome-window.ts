/**
 * A sliding window of live outcomes in ten buckets: small enough to travel in every state change,
 * fine enough that the failure share tracks the last `windowMs` within a tenth of it.
 */
export interface WindowBucket {
  start: number;
  /** Calls counted (a failure adds its weight). */
  calls: number;
  /** Weighted failures. */
  failures: number;
}

const BUCKETS = 10;

export function bucketWidth(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / BUCKETS));
}

/** The window with `calls` and `failures` added at `at`, buckets older than the window dropped. */
export function addToWindow(
  window: readonly WindowBucket[],
  at: number,
  calls: number,
  failures: number,
  windowMs: number,
  now: number,
): WindowBucket[] {
  const width = bucketWidth(windowMs);
  const start = at - (at % width);
  const oldest = now - windowMs;
  const kept = window.filter((b) => b.start + width > oldest);
  if (start + width <= oldest) return kept; // too old to count
  const found = kept.findIndex((b) => b.start === start);
  if (found >= 0) {
    const b = kept[found]!;
    kept[found] = { start, calls: b.calls + calls, failures: b.failures + failures };
  } else {
    kept.push({ start, calls, failures });
    kept.sort((a, b) => a.start - b.start);
  }
  return kept;
}

/** Calls and weighted failures of the buckets still inside the window at `now`. */
export function windowTotals(
  window: readonly WindowBucket[],
  windowMs: number,
  now: number,
): { calls: number; failures: number } {
  const width = bucketWidth(windowMs);
  let calls = 0;
  let failures = 0;
  for (const b of window) {
    if (b.start + width <= now - windowMs) continue;
    calls += b.calls;
    failures += b.failures;
  }
  return { calls, failures };
}
