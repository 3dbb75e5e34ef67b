import type { HistoryBucket } from '../../health/history.js';

/** A provider's live traffic over a window, as the health page shows it. */
export interface WindowStats {
  /** Calls that reached the provider (successes and failures; skips are not calls). */
  calls: number;
  success: number;
  failure: number;
  skipped: number;
  /** success / calls, 0..1; null without calls. */
  success_rate: number | null;
  /** Upper bounds of latency histogram buckets (so "≤ p50_ms"); null without calls, or beyond 60 s. */
  p50_ms: number | null;
  p95_ms: number | null;
}

/**
 * Sums per-minute history buckets into one window. History keeps per-minute percentiles, not the
 * latency histograms behind them, so the window's p50/p95 are the call-weighted quantiles of the
 * minutes' p50/p95: exact for one busy minute, an estimate across minutes of different load.
 */
export function summarize(buckets: readonly HistoryBucket[]): WindowStats {
  let success = 0;
  let failure = 0;
  let skipped = 0;
  const p50: [number, number][] = [];
  const p95: [number, number][] = [];
  for (const bucket of buckets) {
    success += bucket.success;
    failure += bucket.failure;
    skipped += bucket.skipped;
    const calls = bucket.success + bucket.failure;
    if (bucket.p50 !== null && calls > 0) p50.push([bucket.p50, calls]);
    if (bucket.p95 !== null && calls > 0) p95.push([bucket.p95, calls]);
  }
  const calls = success + failure;
  return {
    calls,
    success,
    failure,
    skipped,
    success_rate: calls > 0 ? success / calls : null,
    p50_ms: finite(weightedQuantile(p50, 0.5)),
    p95_ms: finite(weightedQuantile(p95, 0.95)),
  };
}

/** The smallest value whose cumulative weight reaches `q` of the total. */
export function weightedQuantile(samples: [value: number, weight: number][], q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, weight]) => sum + weight, 0);
  let seen = 0;
  for (const [value, weight] of sorted) {
    seen += weight;
    if (seen >= q * total) return value;
  }
  return sorted[sorted.length - 1]![0];
}

/** Beyond the histogram's last bound the quantile is Infinity, which JSON cannot carry. */
function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

/** One minute of a provider's live traffic on the page's timeline. */
export type Minute = 'idle' | 'good' | 'warn' | 'bad' | 'skipped';

/**
 * The last hour minute by minute, oldest first: `good` when every call succeeded, `warn` under a
 * tenth failed, `bad` beyond, `skipped` when runs only passed it over, `idle` without traffic.
 */
export function timeline(buckets: readonly HistoryBucket[], now: number, minutes = 60): Minute[] {
  const byMinute = new Map(buckets.map((b) => [Math.floor(Date.parse(b.start) / 60_000), b]));
  const last = Math.floor(now / 60_000);
  const out: Minute[] = [];
  for (let m = last - minutes + 1; m <= last; m++) {
    const b = byMinute.get(m);
    const calls = b ? b.success + b.failure : 0;
    if (!b || (calls === 0 && b.skipped === 0)) out.push('idle');
    else if (calls === 0) out.push('skipped');
    else if (b.failure === 0) out.push('good');
    else out.push(b.failure / calls < 0.1 ? 'warn' : 'bad');
  }
  return out;
}
