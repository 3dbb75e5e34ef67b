import { median, spreadPct } from './measure.js';
import { formatCommands } from './queue-cost.js';
import type { SideResult } from './queue-dispatch.js';
import { type LatenessRun, percentile } from './queue-lateness.js';
import { BY_HAND, FORM_LABELS, FORMS, RAW, SIDES } from './queue-sides.js';
import { formatOps, formatRatio, formatTable } from './table.js';

/** One line of the final summary: a measured value against an aim. */
export interface Verdict {
  aim: 'throughput' | 'lateness' | 'health' | 'telemetry';
  what: string;
  value: string;
  met: boolean;
}

/** A row of a throughput table: a label and each side's rounds. */
export interface ThroughputRow {
  label: string;
  sides: Record<string, SideResult>;
  /** This row's aim when it differs from the table's. */
  aim?: number;
}

/**
 * Backstop / raw per round (the two ran next to each other, under the same load from the rest of
 * the machine), then the median: steadier than a ratio of medians when the machine is busy.
 */
export function pairedRatio(side: SideResult | undefined, raw: SideResult | undefined): number {
  if (!side || !raw) return Number.NaN;
  const ratios = side.rates.flatMap((rate, i) => {
    const base = raw.rates[i];
    return base ? [rate / base] : [];
  });
  return ratios.length > 0 ? median(ratios) : Number.NaN;
}

export function printThroughput(
  title: string,
  rows: readonly ThroughputRow[],
  aim: number,
  notes: readonly string[],
): Verdict[] {
  const header = [
    title,
    ...SIDES.map((s) => `${s} jobs/s`),
    ...FORMS.map((f) => `${f}/raw`),
    'spread raw/code/stored',
  ];
  const verdicts: Verdict[] = [];
  const body = rows.map((row) => {
    const ratios = FORMS.map((form) => {
      const ratio = pairedRatio(row.sides[FORM_LABELS[form]], row.sides[RAW]);
      const rowAim = row.aim ?? aim;
      verdicts.push({
        aim: 'throughput',
        what: `${title} ${row.label}, ${FORM_LABELS[form]} (aim ≥ ${rowAim})`,
        value: formatRatio(ratio),
        met: Number(ratio.toFixed(2)) >= rowAim, // judged as printed
      });
      return formatRatio(ratio);
    });
    return [
      row.label,
      ...SIDES.map((s) => formatOps(median(row.sides[s]?.rates ?? [0]))),
      ...ratios,
      SIDES.map((s) => `${spreadPct(row.sides[s]?.rates ?? [0]).toFixed(0)}%`).join('/'),
    ];
  });
  console.log('');
  for (const note of notes) console.log(note);
  console.log(formatTable(header, body));
  return verdicts;
}

/**
 * Raw BullMQ doing the chain's work by hand, against raw BullMQ doing nothing and against Backstop:
 * how much of the gap any processor doing this work pays (the providers' error, the result it
 * returns), and how much is Backstop's. Shown, not judged: the aims are against raw BullMQ.
 */
export function printByHand(rows: readonly ThroughputRow[]): void {
  const body = rows.flatMap((row) =>
    row.sides[BY_HAND]
      ? [
          [
            row.label,
            formatRatio(pairedRatio(row.sides[BY_HAND], row.sides[RAW])),
            ...FORMS.map((form) =>
              formatRatio(pairedRatio(row.sides[FORM_LABELS[form]], row.sides[BY_HAND])),
            ),
            median((row.sides[BY_HAND]?.cpu ?? []).map((c) => c.nodeUs)).toFixed(0),
          ],
        ]
      : [],
  );
  if (body.length === 0) return;
  console.log(`\nThe same work by hand on raw BullMQ (${BY_HAND}; shown, not judged)`);
  const header = ['worker', 'by hand/raw', ...FORMS.map((f) => `${f}/by hand`), 'by hand node CPU µs/job'];
  console.log(formatTable(header, body));
}

export function printCosts(rows: readonly ThroughputRow[]): void {
  const header = ['cell', 'side', 'node CPU µs/job', 'redis CPU µs/job', 'commands sent to Redis per job'];
  const body = rows.flatMap((row) =>
    SIDES.map((side) => {
      const result = row.sides[side];
      const cpu = result?.cpu ?? [];
      return [
        row.label,
        side,
        median(cpu.map((c) => c.nodeUs)).toFixed(0),
        median(cpu.map((c) => c.redisUs)).toFixed(0),
        formatCommands(result?.commands, result?.commandJobs ?? 1),
      ];
    }),
  );
  console.log('\nCost per job (CPU: median over the timed rounds; this process / the whole redis-server.');
  console.log(
    ' Commands: a separate pass under MONITOR, client commands only, EVALSHA named by BullMQ script;',
  );
  console.log(' less than 0.05 per job (connection setup) left out)');
  console.log(formatTable(header, body));
}

export interface LatenessRow extends LatenessRun {
  side: string;
  redis: string;
  hz: string;
  /** Measured on a Redis configured unlike Backstop's: shown, not judged against the aim. */
  whatIf: boolean;
}

export function printLateness(rows: readonly LatenessRow[], aimMs: number, embedded: boolean): Verdict[] {
  const ms = (v: number) => (Number.isNaN(v) ? '-' : `${v.toFixed(0)} ms`);
  const header = [
    'side',
    'redis',
    'hz',
    'jobs',
    'p50',
    'p99',
    'max',
    'taken p50',
    'taken p99',
    'due skew p50/max',
    'past',
  ];
  const body = rows.map((r) => [
    r.side,
    r.redis,
    r.hz,
    String(r.lateness.length),
    ms(percentile(r.lateness, 50)),
    ms(percentile(r.lateness, 99)),
    ms(r.lateness.length > 0 ? Math.max(...r.lateness) : Number.NaN),
    ms(percentile(r.takenLateness, 50)),
    ms(percentile(r.takenLateness, 99)),
    `${ms(percentile(r.dueSkew, 50))} / ${ms(percentile(r.dueSkew, 100))}`,
    String(r.pastAtDispatch),
  ]);
  console.log('\nLateness of delayed jobs (start - intended time; "taken" = BullMQ processedOn - intended;');
  console.log(
    ' due skew = BullMQ timestamp + delay - intended; past = instants gone before they were queued)',
  );
  console.log(formatTable(header, body));
  for (const r of rows) if (r.problem) console.log(`  CHECK FAILED: ${r.side} on ${r.redis}: ${r.problem}`);
  const where = embedded ? 'the embedded Redis' : 'REDIS_URL (not the embedded Redis)';
  return rows
    .filter((r) => r.side !== RAW && !r.whatIf)
    .map((r) => {
      const p99 = percentile(r.lateness, 99);
      return {
        aim: 'lateness' as const,
        what: `lateness p99, ${r.side}, on ${where} (hz ${r.hz})`,
        value: ms(p99),
        met: p99 < aimMs,
      };
    });
}

export function printSummary(
  verdicts: readonly Verdict[],
  throughputAim: number,
  latenessAimMs: number,
): void {
  const line = (v: Verdict) =>
    console.log(`  ${v.met ? 'met    ' : 'NOT met'}  ${v.value.padStart(6)}  ${v.what}`);
  console.log('\nSummary');
  console.log(`aim: ≥ ${throughputAim} of raw BullMQ throughput unless a row says otherwise`);
  for (const v of verdicts) if (v.aim === 'throughput') line(v);
  console.log(`aim: p99 lateness < ${latenessAimMs} ms on the embedded Redis`);
  for (const v of verdicts) if (v.aim === 'lateness') line(v);
  if (verdicts.some((v) => v.aim === 'telemetry')) {
    console.log('aim: telemetry on costs at most 5 % of worker throughput (≥ 0.95 of telemetry off)');
    for (const v of verdicts) if (v.aim === 'telemetry') line(v);
  }
  if (!verdicts.some((v) => v.aim === 'health')) return;
  console.log('aim: reading provider state costs no Redis round trip per attempt');
  for (const v of verdicts) if (v.aim === 'health') line(v);
}
