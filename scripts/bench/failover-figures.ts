import type { SeenCall } from './failover-providers.js';
import { ATTEMPT_TIMEOUT_MS, PROBE_INTERVAL_MS, type RunRecord } from './failover-setups.js';

/** A time window of a scenario, in ms since epoch once the scenario runs. */
export interface Window {
  start: number;
  end: number;
}

/** What one setup did in one scenario. */
export interface Figures {
  runs: number;
  /** Median over fault windows: from the fault until the first run that skipped the faulty provider. */
  detectionMs: number | null;
  /** Runs started after detection (fault still on) that called the faulty provider anyway, %. */
  touchPct: number | null;
  p50: number;
  p99: number;
  /** Median over fault ends: from the provider's return until a run it served started. */
  recoveryMs: number | null;
  failed: number;
  /** Runs served by the primary from the first fault to the last fault's end, %. */
  primaryPct: number;
  /** Failed provider calls per run in that span. */
  wastedPerRun: number;
  /** From the hang until the last run that paid a full attempt timeout on the hanging provider. */
  timeoutCostMs: number | null;
  /** Probe gaps of the providers that stay up over 1.5 intervals during the fault, and the largest. */
  probeGaps: { over: number; maxMs: number } | null;
}

export interface FigureInput {
  records: readonly RunRecord[];
  faults: readonly Window[];
  /** The provider whose fault is measured, and the one whose return is. */
  faulty: string;
  returning: string;
  /** Probes this setup sent to the providers that stay up, when it probes. */
  probesOfHealthy?: readonly SeenCall[][] | undefined;
}

export function figuresOf(input: FigureInput): Figures {
  const { records, faults, faulty, returning } = input;
  const span: Window = { start: faults[0]!.start, end: faults.at(-1)!.end };
  const inSpan = records.filter((r) => r.began >= span.start && r.began < span.end);
  const latencies = records.map((r) => r.end - r.start).sort((a, b) => a - b);
  const detections: number[] = [];
  let touched = 0;
  let afterDetection = 0;
  for (const fault of faults) {
    const first = records.find((r) => r.began >= fault.start && r.skipped.includes(faulty));
    if (!first || first.began >= fault.end) continue;
    detections.push(first.began - fault.start);
    for (const r of records) {
      if (r.began < first.began || r.began >= fault.end) continue;
      afterDetection++;
      if (r.calls.some((c) => c.provider === faulty)) touched++;
    }
  }
  const recoveries = faults.flatMap((fault) => {
    const served = records.find((r) => r.began >= fault.end && r.provider === returning);
    return served ? [served.began - fault.end] : [];
  });
  const hangCosts = records.flatMap((r) =>
    r.calls
      .filter((c) => c.provider === faulty && c.ms >= ATTEMPT_TIMEOUT_MS * 0.9 && c.start >= span.start)
      .map((c) => c.start - span.start),
  );
  return {
    runs: records.length,
    detectionMs: detections.length > 0 ? median(detections) : null,
    touchPct: afterDetection > 0 ? (100 * touched) / afterDetection : null,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    recoveryMs: recoveries.length > 0 ? median(recoveries) : null,
    failed: records.filter((r) => !r.ok).length,
    primaryPct:
      inSpan.length > 0 ? (100 * inSpan.filter((r) => r.provider === 'a').length) / inSpan.length : 0,
    wastedPerRun:
      inSpan.length > 0
        ? inSpan.reduce((n, r) => n + r.calls.filter((c) => !c.ok).length, 0) / inSpan.length
        : 0,
    timeoutCostMs: hangCosts.length > 0 ? Math.max(...hangCosts) : null,
    probeGaps: input.probesOfHealthy ? gapsOf(input.probesOfHealthy, span) : null,
  };
}

function gapsOf(probes: readonly SeenCall[][], span: Window): { over: number; maxMs: number } {
  let over = 0;
  let maxMs = 0;
  for (const calls of probes) {
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    // From the last probe before the fault to the first after it: every gap that overlaps the fault.
    const from = Math.max(
      0,
      times.findLastIndex((t) => t < span.start),
    );
    const to = times.findIndex((t) => t > span.end);
    const window = times.slice(from, to === -1 ? undefined : to + 1);
    for (let i = 1; i < window.length; i++) {
      const gap = window[i]! - window[i - 1]!;
      maxMs = Math.max(maxMs, gap);
      if (gap > 1.5 * PROBE_INTERVAL_MS) over++;
    }
  }
  return { over, maxMs };
}

export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}`);
const pct = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} %`);

export const COLUMNS = [
  'setup',
  'runs',
  'detect ms',
  'touch dead after',
  'p50 ms',
  'p99 ms',
  'recover ms',
  'failed runs',
  'primary share',
  'failed calls/run',
  'timeout cost ms',
  'probe gaps >1.5i (max ms)',
];

export function rowOf(label: string, f: Figures): string[] {
  return [
    label,
    `${f.runs}`,
    ms(f.detectionMs),
    pct(f.touchPct),
    ms(f.p50),
    ms(f.p99),
    ms(f.recoveryMs),
    `${f.failed}`,
    pct(f.primaryPct),
    f.wastedPerRun.toFixed(2),
    ms(f.timeoutCostMs),
    f.probeGaps ? `${f.probeGaps.over} (${f.probeGaps.maxMs})` : '-',
  ];
}

/** A plain-text table, columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
