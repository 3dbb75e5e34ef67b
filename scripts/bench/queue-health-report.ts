import { median, spreadPct } from './measure.js';
import { formatCommands } from './queue-cost.js';
import {
  HEALTH_LABELS,
  HEALTH_MODES,
  HEALTH_TITLES,
  type HealthCell,
  type HealthMode,
  type HealthPlan,
  type IdleCost,
} from './queue-health-plan.js';
import { pairedRatio, type Verdict } from './queue-report.js';
import { formatOps, formatRatio, formatTable } from './table.js';

const signed = (value: number, digits = 2) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;

/** Reads of provider state are judged against this: less than one command in 20 jobs. */
const NO_ROUND_TRIP = 0.05;

/** Prints the health tables and returns the summary's verdicts (aim 'health'). */
export function printHealth(cells: readonly HealthCell[], idle: IdleCost, plan: HealthPlan): Verdict[] {
  const off = HEALTH_LABELS.off;
  const on = HEALTH_LABELS.on;
  const label = (cell: HealthCell) => `${HEALTH_TITLES[cell.scenario]}, c=${plan.concurrency}`;
  const ratios = cells.map((cell) => pairedRatio(cell.sides[on], cell.sides[off]));

  console.log('');
  console.log(
    `Worker throughput, healthchecks on vs off (stored chain, ${plan.jobs} pre-queued jobs, first to last`,
  );
  console.log(
    ' completion; median of drains; on/off = median of per-round on/off ratios, < 1 means on is slower)',
  );
  const header = ['health', `${off} jobs/s`, `${on} jobs/s`, 'on/off', 'spread off/on'];
  const body = cells.map((cell, i) => [
    label(cell),
    formatOps(median(cell.sides[off]?.rates ?? [0])),
    formatOps(median(cell.sides[on]?.rates ?? [0])),
    formatRatio(ratios[i]!),
    HEALTH_MODES.map((m) => `${spreadPct(cell.sides[HEALTH_LABELS[m]]?.rates ?? [0]).toFixed(0)}%`).join('/'),
  ]);
  console.log(formatTable(header, body));
  for (const cell of cells) {
    for (const problem of cell.problems)
      console.log(
        `  CHECK FAILED: ${HEALTH_TITLES[cell.scenario]}: ${problem}; that number measures another path.`,
      );
  }

  console.log('\nCost per job, healthchecks on vs off (CPU: median over the timed drains; commands: the');
  console.log(
    ` MONITOR pass of ${plan.countJobs} jobs, split into job path / circuit writes / health timers and connection`,
  );
  console.log(' setup (not paced by jobs); the full list last, less than 0.05 per job left out)');
  const costHeader = [
    'cell',
    'side',
    'node CPU µs/job',
    'redis CPU µs/job',
    'job path',
    'circuit writes',
    'timers, setup',
    'commands sent to Redis per job',
  ];
  const costBody = cells.flatMap((cell) =>
    HEALTH_MODES.map((mode) => {
      const result = cell.sides[HEALTH_LABELS[mode]];
      const cpu = result?.cpu ?? [];
      const split = cell.split[mode];
      return [
        label(cell),
        HEALTH_LABELS[mode],
        median(cpu.map((c) => c.nodeUs)).toFixed(0),
        median(cpu.map((c) => c.redisUs)).toFixed(0),
        split ? split.jobPath.toFixed(2) : '-',
        split ? split.circuitWrites.toFixed(2) : '-',
        split ? split.background.toFixed(2) : '-',
        formatCommands(result?.commands, result?.commandJobs ?? 1),
      ];
    }),
  );
  console.log(formatTable(costHeader, costBody));
  for (const mode of HEALTH_MODES) {
    const cost = idle.commands[mode];
    if (!cost) continue;
    console.log(
      `idle worker, ${HEALTH_LABELS[mode]}, commands per second: ${formatCommands(cost.counts, cost.seconds)}`,
    );
  }
  console.log(
    `reading provider state, health on (healthView.get of a probed provider, as before every attempt): ` +
      `${idle.readUs.toFixed(2)} µs per read over ${formatOps(idle.reads)} reads, in process, no Redis`,
  );
  for (const cell of cells) {
    const { expected, recorded } = cell.history;
    if (expected === 0) continue;
    const missing = expected - recorded;
    console.log(
      `history, ${HEALTH_TITLES[cell.scenario]}: health.history() returned ${formatOps(recorded)} of the ` +
        `${formatOps(expected)} provider calls of the timed health-on drains` +
        (missing === 0 ? '' : ` (${missing} missing)`),
    );
  }

  console.log('\nWhat turning healthchecks on adds, per job (on - off):');
  const verdicts: Verdict[] = [];
  for (const [i, cell] of cells.entries()) {
    const a = cell.split.off;
    const b = cell.split.on;
    const cpuOf = (mode: HealthMode) =>
      median((cell.sides[HEALTH_LABELS[mode]]?.cpu ?? []).map((c) => c.nodeUs));
    const cpuOff = cpuOf('off');
    const cpuOn = cpuOf('on');
    const ratio = formatRatio(ratios[i]!);
    if (!a || !b) continue;
    const reads = b.jobPath - a.jobPath;
    const writes = b.circuitWrites - a.circuitWrites;
    console.log(
      `  ${HEALTH_TITLES[cell.scenario]}: job path ${signed(reads)} commands, circuit writes ${signed(writes)}, ` +
        `node CPU ${signed(cpuOn - cpuOff, 0)} µs (${signed(((cpuOn - cpuOff) / cpuOff) * 100, 0)}%), throughput on/off ${ratio}`,
    );
    // Success path: nothing at all may be added. Failure path: reading is judged; the circuit writes
    // are recording, reported beside it.
    const added = cell.scenario === 'primary-ok' ? reads + writes : reads;
    const what =
      cell.scenario === 'primary-ok'
        ? `commands/job added by health, worker ${HEALTH_TITLES[cell.scenario]} (throughput on/off ${ratio})`
        : `commands/job added besides ${writes.toFixed(2)} circuit writes (EVAL, not awaited), worker ` +
          `${HEALTH_TITLES[cell.scenario]} (throughput on/off ${ratio})`;
    verdicts.push({
      aim: 'health',
      what,
      value: signed(added),
      met: Number(added.toFixed(2)) < NO_ROUND_TRIP, // judged as printed
    });
  }
  return verdicts;
}
