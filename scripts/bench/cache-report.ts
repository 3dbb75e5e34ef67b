import type { BurstResult, SideResult, ThroughputCell } from './cache-measure.js';
import { pairedRatio } from './cache-measure.js';
import { median, modeLabel, spreadPct } from './measure.js';
import { formatOps, formatRatio, formatTable } from './table.js';

export function printThroughput(cells: readonly ThroughputCell[]): void {
  const header = ['side', 'mode', 'runs/s', 'vs baseline', 'vendor calls/run', 'redis cmds/run', 'spread'];
  const rows: string[][] = [];
  for (const { section, mode, sides } of cells) {
    if (!rows.some((r) => r[0] === section)) rows.push([section]);
    const [baseline] = sides;
    for (const [i, side] of sides.entries()) {
      rows.push([
        `  ${side.name}`,
        modeLabel(mode),
        formatOps(median(side.rates)),
        i === 0 || !baseline ? 'baseline' : formatRatio(pairedRatio(side, baseline)),
        side.callsPerRun.toFixed(2),
        side.redisPerRun.toFixed(1),
        `${spreadPct(side.rates).toFixed(0)}%`,
      ]);
    }
  }
  console.log(
    '\nThroughput (median round; vs baseline = median of per-round side/baseline ratios, > 1 means faster;',
  );
  console.log(
    ' spread = (max-min)/median of rounds; vendor calls and Redis commands per run over the counted rounds;',
  );
  console.log(
    ' Redis commands from INFO total_commands_processed: MULTI, EXEC and the calls inside a Lua script count)',
  );
  console.log(formatTable(header, rows));
}

export function printBursts(results: readonly BurstResult[], runs: number): void {
  const header = ['side', 'runs/burst', 'vendor calls/burst', 'min-max', 'cache hits/burst', 'burst ms'];
  const rows = results.map((r) => [
    r.name,
    String(runs),
    String(median(r.calls)),
    `${Math.min(...r.calls)}-${Math.max(...r.calls)}`,
    String(median(r.hits)),
    median(r.durations).toFixed(1),
  ]);
  console.log(
    `\nSingle flight (${results[0]?.calls.length ?? 0} counted bursts per side, rotating; medians; ` +
      'burst ms = first start to last settle)',
  );
  console.log(formatTable(header, rows));
}

/** Ratio of one named side to the baseline of the cell with this section title and mode label. */
export function cellRatio(
  cells: readonly ThroughputCell[],
  section: string,
  mode: string,
  side: string,
): { ratio: number; side: SideResult; baseline: SideResult } | undefined {
  const cell = cells.find((c) => c.section === section && modeLabel(c.mode) === mode);
  const baseline = cell?.sides[0];
  const found = cell?.sides.find((s) => s.name === side);
  if (!baseline || !found) return undefined;
  return { ratio: pairedRatio(found, baseline), side: found, baseline };
}

/**
 * Microseconds of wall time per run that `side` adds over `baseline`, from the median rates: for
 * sequential runs the added latency of one run, with runs in flight the added cost per run.
 */
export function addedMicros(side: SideResult, baseline: SideResult): number {
  return (1 / median(side.rates) - 1 / median(baseline.rates)) * 1e6;
}
