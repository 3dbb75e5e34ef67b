/**
 * In-process run throughput of a two-provider chain: Backstop against the same chain built from
 * cockatiel policies (and a hand-written floor), side by side in one process. Prints a table and
 * the ratios; asserts nothing about speed. `npm run bench:run`.
 */
import os from 'node:os';
import { type Mode, median, modeLabel, opsPerSecond, spreadPct } from './bench/measure.js';
import { createMemoryProbe, type MemoryResult } from './bench/memory.js';
import { type Providers, providersFor, SCENARIOS, type Scenario } from './bench/providers.js';
import {
  ATTEMPT_TIMEOUT_MS,
  backstopSubject,
  bareSubject,
  cockatielSubject,
  DESCRIPTIONS,
  quotaSubject,
  type Subject,
} from './bench/subjects.js';
import { formatBytes, formatOps, formatRatio, formatTable } from './bench/table.js';

const MODES: readonly Mode[] = [{ kind: 'sequential' }, { kind: 'concurrent', concurrency: 100 }];
const WARMUP_MS = 300;
const ROUND_MS = 250;
const ROUNDS = 5;
const MEMORY_RUNS = 10_000;
const MEMORY_LANES = 100;

type Name = Subject['name'];
const NAMES: readonly Name[] = ['backstop', 'quota', 'metrics off', 'cockatiel', 'bare'];

interface Cell {
  scenario: Scenario;
  mode: Mode;
  rounds: Record<Name, number[]>;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  printHeader();
  const probe = await createMemoryProbe();
  const cells: Cell[] = [];
  const memory: { scenario: Scenario; name: Name; result: MemoryResult }[] = [];

  for (const scenario of SCENARIOS) {
    const providers = providersFor(scenario.id);
    const backstop = await backstopSubject(providers, `bench-${scenario.id}`);
    const quiet = await backstopSubject(providers, `bench-${scenario.id}`, false);
    const quota = await quotaSubject(providers, `bench-quota-${scenario.id}`);
    const subjects: Subject[] = [backstop, quota, quiet, cockatielSubject(providers), bareSubject(providers)];
    for (const subject of subjects) await checkPath(subject, scenario, providers);

    for (const mode of MODES) {
      for (const subject of subjects) await opsPerSecond(subject.run, mode, WARMUP_MS);
      const rounds: Record<Name, number[]> = {
        backstop: [],
        quota: [],
        'metrics off': [],
        cockatiel: [],
        bare: [],
      };
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate who goes first, so no side always runs right after another's garbage.
        for (let i = 0; i < subjects.length; i++) {
          const subject = subjects[(round + i) % subjects.length]!;
          rounds[subject.name].push(await opsPerSecond(subject.run, mode, ROUND_MS));
        }
      }
      cells.push({ scenario, mode, rounds });
      process.stdout.write(`  measured ${scenario.title}, ${modeLabel(mode)}\n`);
    }

    for (const subject of subjects) {
      memory.push({
        scenario,
        name: subject.name,
        result: await probe.measure(subject.run, MEMORY_RUNS, MEMORY_LANES),
      });
    }
    await backstop.close();
    await quiet.close();
    await quota.close();
  }
  probe.close();

  printThroughput(cells);
  printMemory(memory);
  console.log(`\ndone in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

function printHeader(): void {
  const cpus = os.cpus();
  console.log(
    'bench:run - in-process run throughput, Backstop vs cockatiel 4 (same process, same providers)',
  );
  console.log(
    `node ${process.version}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}; ` +
      `per cell: ${WARMUP_MS} ms warm-up per side, then ${ROUNDS} rounds of ${ROUND_MS} ms per side ` +
      'in rotating order; the median round is reported.',
  );
  console.log('providers: a = async () => ({ id: 1 }) or, in scenario 2, async () => { throw new Error() };');
  console.log('           b = async () => ({ id: 2 }). Every side calls the same two functions.');
  console.log(
    `per-attempt timeout on every side: ${ATTEMPT_TIMEOUT_MS} ms, armed and cleared on every attempt.`,
  );
  for (const name of NAMES) console.log(`  ${name}:\n    ${DESCRIPTIONS[name]}`);
  console.log(
    "note: Backstop's src/ runs through tsx's transform (esbuild keepNames wraps each closure it creates\n" +
      '      in __name()), cockatiel from its prebuilt dist/: a few percent against Backstop.',
  );
  console.log('');
}

/** Fails loudly (but does not stop the bench) when a side does not take the path the scenario means. */
async function checkPath(subject: Subject, scenario: Scenario, providers: Providers): Promise<void> {
  providers.calls.primary = 0;
  providers.calls.fallback = 0;
  const result = await subject.run();
  const { calls } = providers;
  const want = scenario.callsPerRun;
  if (
    result.provider !== scenario.expected ||
    calls.primary !== want.primary ||
    calls.fallback !== want.fallback
  ) {
    console.log(
      `  CHECK FAILED: ${subject.name} in "${scenario.title}" served by ${result.provider} ` +
        `after a x${calls.primary}, b x${calls.fallback}; expected ${scenario.expected} after ` +
        `a x${want.primary}, b x${want.fallback}. Its numbers below measure another path.`,
    );
  }
}

function printThroughput(cells: readonly Cell[]): void {
  const header = [
    'scenario',
    'mode',
    'backstop ops/s',
    'quota ops/s',
    'cockatiel ops/s',
    'bare ops/s',
    'quota/backstop',
    'metrics on/off',
    'backstop/cockatiel',
    'backstop/bare',
    'spread b/q/off/c/bare',
  ];
  const rows = cells.map(({ scenario, mode, rounds }) => {
    const b = median(rounds.backstop);
    const q = median(rounds.quota);
    const c = median(rounds.cockatiel);
    const f = median(rounds.bare);
    const off = median(rounds['metrics off']);
    const spread = NAMES.map((n) => `${spreadPct(rounds[n]).toFixed(0)}%`).join('/');
    // (metrics off is the same Backstop with no listener: its ratio is what recording metrics costs)
    return [
      scenario.title,
      modeLabel(mode),
      formatOps(b),
      formatOps(q),
      formatOps(c),
      formatOps(f),
      formatRatio(q / b),
      formatRatio(b / off),
      formatRatio(b / c),
      formatRatio(b / f),
      spread,
    ];
  });
  console.log(
    '\nThroughput (median of rounds; ratio > 1 means Backstop is faster; quota/backstop: a quota run\n' +
      'against a fallback run of the same providers, aim >= 0.9; spread = (max-min)/median)',
  );
  console.log(formatTable(header, rows));
  console.log(
    'Scenario 2, sequential: cockatiel sleeps setTimeout(0) (>= 1 ms) before its retry, Backstop does not;\n' +
      'the 100-in-flight row, where that sleep overlaps across runs, compares the code paths.',
  );
}

function printMemory(entries: readonly { scenario: Scenario; name: Name; result: MemoryResult }[]): void {
  const header = ['scenario', 'side', 'allocated/run', 'heapUsed delta/10k', 'retained after GC/10k'];
  const rows = entries.map(({ scenario, name, result }) => [
    scenario.title,
    name,
    formatBytes(result.allocatedPerRun),
    formatBytes(result.heapUsedDelta),
    formatBytes(result.retainedDelta),
  ]);
  console.log(
    `\nMemory (${MEMORY_RUNS.toLocaleString('en-US')} runs, ${MEMORY_LANES} in flight, forced GC before; ` +
      'allocated/run from V8 sampling heap profiler incl. collected objects;',
  );
  console.log(
    ' heapUsed delta counts what survived the GCs that happened to run; retained = after a full GC)',
  );
  console.log(formatTable(header, rows));
}

await main();
