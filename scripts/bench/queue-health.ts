import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Backstop } from '../../src/backstop.js';
import type { HealthKey } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { HEALTHCHECK_QUEUE } from '../../src/health/healthcheck-scheduler.js';
import { median, spreadPct } from './measure.js';
import { type CommandGroup, countCommands, formatCommands } from './queue-cost.js';
import type { SideResult } from './queue-dispatch.js';
import { type BenchEnv, collectGarbage } from './queue-env.js';
import { pairedRatio, type Verdict } from './queue-report.js';
import { type Calls, ENV, INPUT, PRODUCT, TAG } from './queue-sides.js';
import { type Drainable, drain } from './queue-worker.js';
import { formatOps, formatRatio, formatTable } from './table.js';

/**
 * Worker throughput with healthchecks on against off, side by side on the same Redis, each drain
 * on a fresh prefix with a fresh Backstop. Both sides drain the same stored two-provider chain over
 * in-process handlers. Off: options without a healthcheck, `circuit: false`, `worker({ healthchecks:
 * false })`. On: each option names a stored healthcheck (probing an in-process action every second),
 * circuits on, `worker()` with its healthcheck worker: snapshot reads, passive reporting, circuit
 * writes and history all live. Commands per job come from a MONITOR pass, split into the job's own
 * path, circuit writes, and what timers send (probes, history flush, snapshot reload).
 */
export type HealthScenario = 'primary-ok' | 'primary-throws';
export type HealthMode = 'off' | 'on';

export const HEALTH_MODES: readonly HealthMode[] = ['off', 'on'];
export const HEALTH_LABELS: Record<HealthMode, string> = { off: 'health off', on: 'health on' };
export const HEALTH_TITLES: Record<HealthScenario, string> = {
  'primary-ok': '(h1) primary succeeds',
  'primary-throws': '(h2) primary throws Error, fallback serves',
};

export interface HealthPlan {
  jobs: number;
  concurrency: number;
  /** Drains per side first, not counted: JIT and connections warm on both paths. */
  warmupRounds: number;
  rounds: number;
  /** Per drain; a drain that does not finish in time is reported, not waited for. */
  timeoutMs: number;
  /** Jobs drained under MONITOR per side, to count commands per job. */
  countJobs: number;
  /** How long a health-on side waits for its first probes to reach the local snapshot. */
  readyTimeoutMs: number;
  /** An idle worker under MONITOR for this long per side: what the timers send per second. */
  idleMs: number;
}

/** Commands per job of a MONITOR pass, split by what sent them. */
export interface CommandSplit {
  /** The job's own path (BullMQ, chain resolution, progress saves): none of the groups below. */
  jobPath: number;
  /** EVAL of the circuit script (passive health), sent without waiting. */
  circuitWrites: number;
  /** Probe jobs, history flushes, snapshot reloads (paced by timers), and connection setup: not by jobs. */
  background: number;
}

export interface HealthCell {
  scenario: HealthScenario;
  /** Keyed by HEALTH_LABELS. */
  sides: Record<string, SideResult>;
  split: Partial<Record<HealthMode, CommandSplit>>;
  problems: string[];
  /** Provider calls of the timed health-on drains, and how many of them `health.history()` returned. */
  history: Tally;
}

export interface Tally {
  expected: number;
  recorded: number;
}

/** Per side, the commands an idle worker sent (what timers cost with no jobs), and the cost of one read. */
export interface IdleCost {
  commands: Partial<Record<HealthMode, { seconds: number; counts: Map<string, number> }>>;
  /** µs per `healthView.get` of a probed provider, health on, in process. */
  readUs: number;
  reads: number;
}

/** (h2)'s circuit threshold: high enough that the run's live failures never open it. */
const H2_THRESHOLD = 1_000_000;
const APP = 'bench-app';
const PROBED = [
  ['a', 'a-health'],
  ['b', 'b-health'],
] as const;
const CHUNK = 500;

export function describeHealth(plan: HealthPlan): string[] {
  return [
    'Both sides: fallback.create({ tag, options: [a: app action, retries 0; b: app action] }) served by',
    `  handlers.register, ${plan.jobs} dispatchBulk jobs drained by a worker at concurrency ${plan.concurrency}.`,
    'health off: options without healthcheck, new Backstop({ circuit: false }), worker({ healthchecks: false }).',
    "health on: options name healthchecks 'a-health' / 'b-health', made by health.create({ app, event,",
    '  interval: 1000, retries: 2, envs: [prd] }) probing in-process actions; worker() with its healthcheck',
    '  worker; default circuit (h1), circuit { threshold: 1e6 } (h2, never opens). Before each drain the first',
    '  probes are waited for, so every attempt reads a real state from the local snapshot.',
    '(h2): the primary throws a plain Error (retryable; no retries left, so the fallback serves); a live',
    '  failure writes the circuit (EVAL, not awaited); both sides save progress (job.updateData) before b.',
    `Commands: ${plan.countJobs} jobs per side under MONITOR, split into job path / circuit writes / health timers`,
    `  (probe jobs, history flush, snapshot reload); timers alone: an idle worker, ${plan.idleMs} ms per side.`,
  ];
}

const CIRCUIT_WRITE = 'circuit write';
const HEALTH_TIMERS = 'health timers';
const SETUP = 'setup';
/** Sent once per connection, however many jobs it carries. */
const SETUP_COMMANDS = new Set(['hello', 'client', 'select', 'quit', 'subscribe']);
/** Keys that only probes, history flushes and snapshot reloads touch (circuit keys: reads, not EVAL). */
const TIMER_KEYS = [
  `:${HEALTHCHECK_QUEUE}:`,
  ':probe:',
  ':health-index',
  ':history:',
  ':circuit:',
  ':health:',
  ':healths:',
  ':health-interval:',
];

const groupOf: CommandGroup = (command, args) => {
  const rest = args.slice(1);
  if ((command === 'eval' || command === 'evalsha') && rest.some((a) => a.includes(':circuit:')))
    return CIRCUIT_WRITE;
  if (rest.some((a) => TIMER_KEYS.some((key) => a.includes(key)))) return HEALTH_TIMERS;
  if (SETUP_COMMANDS.has(command)) return SETUP;
  return undefined;
};

function splitCommands(counts: Map<string, number>, jobs: number): CommandSplit {
  const split: CommandSplit = { jobPath: 0, circuitWrites: 0, background: 0 };
  for (const [name, n] of counts) {
    if (name.startsWith(`${CIRCUIT_WRITE}: `)) split.circuitWrites += n / jobs;
    else if (name.startsWith(`${HEALTH_TIMERS}: `) || name.startsWith(`${SETUP}: `))
      split.background += n / jobs;
    else split.jobPath += n / jobs;
  }
  return split;
}

function healthKey(healthcheck: string): HealthKey {
  return { product: PRODUCT, env: ENV, healthcheck };
}

/** Polls `ok` every 10 ms until it holds or `timeoutMs` has passed; bounded. */
async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await ok()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(10);
  }
}

interface HealthSide {
  backstop: Backstop;
  calls: Calls;
}

async function healthSide(
  url: string,
  prefix: string,
  mode: HealthMode,
  scenario: HealthScenario,
): Promise<HealthSide> {
  const on = mode === 'on';
  const fails = scenario === 'primary-throws';
  const circuit = !on ? false : fails ? { threshold: H2_THRESHOLD } : undefined;
  const backstop = new Backstop({
    redis: url,
    prefix,
    product: PRODUCT,
    env: ENV,
    logger: silentLogger,
    ...(circuit === undefined ? {} : { circuit }),
  });
  const calls: Calls = { primary: 0, fallback: 0 };
  try {
    backstop.handlers.register(APP, 'primary', async () => {
      calls.primary++;
      if (fails) throw new Error('primary down');
      return { id: 'a-1' };
    });
    backstop.handlers.register(APP, 'fallback', async () => {
      calls.fallback++;
      return { id: 'b-1' };
    });
    if (on) {
      for (const [provider, tag] of PROBED) {
        backstop.handlers.register(APP, `${provider}-probe`, async () => ({ ok: true }));
        await backstop.health.create({
          name: `bench ${provider} health`,
          tag,
          app: APP,
          event: `${provider}-probe`,
          interval: 1000,
          retries: 2,
          envs: [{ slug: ENV }],
        });
      }
    }
    await backstop.fallback.create({
      name: 'bench pay',
      tag: TAG,
      options: [
        {
          type: 'action',
          app: APP,
          event: 'primary',
          provider: 'a',
          retries: 0,
          ...(on ? { healthcheck: 'a-health' } : {}),
        },
        {
          type: 'action',
          app: APP,
          event: 'fallback',
          provider: 'b',
          ...(on ? { healthcheck: 'b-health' } : {}),
        },
      ],
    });
  } catch (error) {
    await backstop.close();
    throw error;
  }
  return { backstop, calls };
}

/** Health on: runs a probe-only worker until both healthchecks read healthy in the local snapshot. */
async function awaitFirstProbes(backstop: Backstop, timeoutMs: number): Promise<boolean> {
  const probes = await backstop.worker({ fallbacks: false });
  try {
    return await waitFor(
      () =>
        PROBED.every(([, tag]) => backstop.healthView.peek?.(healthKey(tag))?.provider_status === 'healthy'),
      timeoutMs,
    );
  } finally {
    await probes.close();
  }
}

/**
 * After a health-on drain: the snapshot still reads both providers healthy and the circuit of `a`
 * counted every live failure (h2) or none (h1). The calls `health.history()` returns are tallied
 * into `history`: reported beside the numbers, since a count missing there does not change the path.
 */
async function verifyHealthOn(
  side: HealthSide,
  scenario: HealthScenario,
  count: number,
  history: Tally,
): Promise<string[]> {
  const { backstop } = side;
  const problems: string[] = [];
  for (const [, tag] of PROBED) {
    const status = backstop.healthView.peek?.(healthKey(tag))?.provider_status;
    if (status !== 'healthy') problems.push(`snapshot reads ${tag} ${status ?? 'nothing'}, expected healthy`);
  }
  const fails = scenario === 'primary-throws';
  const wantFailures = fails ? count : 0;
  let failures = -1;
  // Circuit writes are not awaited by the run: give the last ones a moment to land.
  const landed = await waitFor(async () => {
    failures = (await backstop.health.status('a-health', ENV)).circuit.failures;
    return failures === wantFailures;
  }, 2_000);
  if (!landed) problems.push(`circuit of a-health counted ${failures} failures, expected ${wantFailures}`);
  const served = await backstop.health.history({ provider: fails ? 'b' : 'a', env: ENV });
  history.expected += count;
  history.recorded += served.buckets.reduce((sum, b) => sum + b.success, 0);
  if (fails) {
    const primary = await backstop.health.history({ provider: 'a', env: ENV });
    history.expected += count;
    history.recorded += primary.buckets.reduce((sum, b) => sum + b.failure, 0);
  }
  return problems;
}

async function healthDrainable(
  env: BenchEnv,
  mode: HealthMode,
  scenario: HealthScenario,
  plan: HealthPlan,
  /** Health on: check the snapshot and circuit after the drain, tally the history here. */
  verify: Tally | undefined,
): Promise<Drainable & { backstop: Backstop }> {
  const prefix = env.prefix();
  const side = await healthSide(env.main.url, prefix, mode, scenario);
  const { backstop, calls } = side;
  const on = mode === 'on';
  let ready = true;
  try {
    if (on) ready = await awaitFirstProbes(backstop, plan.readyTimeoutMs);
  } catch (error) {
    await backstop.close();
    throw error;
  }
  return {
    name: HEALTH_LABELS[mode],
    prefix,
    backstop,
    async prequeue(count) {
      for (let done = 0; done < count; done += CHUNK) {
        const size = Math.min(CHUNK, count - done);
        await backstop.fallback.dispatchBulk(
          Array.from({ length: size }, () => ({ tag: TAG, input: { ...INPUT } })),
        );
      }
    },
    start: () => backstop.worker({ concurrency: plan.concurrency, healthchecks: on }),
    async check(count) {
      const problems: string[] = [];
      if (!ready) problems.push(`first probes not in the snapshot within ${plan.readyTimeoutMs} ms`);
      const want = { primary: count, fallback: scenario === 'primary-throws' ? count : 0 };
      if (calls.primary !== want.primary || calls.fallback !== want.fallback) {
        problems.push(
          `provider calls a x${calls.primary}, b x${calls.fallback}; expected a x${want.primary}, b x${want.fallback}`,
        );
      }
      if (on && verify) problems.push(...(await verifyHealthOn(side, scenario, count, verify)));
      return problems.length > 0 ? problems.join('; ') : undefined;
    },
    close: () => backstop.close(),
  };
}

export async function measureHealth(
  env: BenchEnv,
  stats: Redis,
  scenario: HealthScenario,
  plan: HealthPlan,
): Promise<HealthCell> {
  const sides: Record<string, SideResult> = {};
  const split: Partial<Record<HealthMode, CommandSplit>> = {};
  const problems: string[] = [];
  const history: Tally = { expected: 0, recorded: 0 };
  const once = async (mode: HealthMode, verify: Tally | undefined, use: (s: Drainable) => Promise<void>) => {
    // A fresh prefix (and a fresh Backstop) per drain: every drain starts from an empty queue.
    const subject = await healthDrainable(env, mode, scenario, plan, verify);
    try {
      await use(subject);
    } finally {
      await subject.close();
      await env.drop(subject.prefix);
    }
  };
  for (let round = -plan.warmupRounds; round < plan.rounds; round++) {
    for (let i = 0; i < HEALTH_MODES.length; i++) {
      const mode = HEALTH_MODES[(round + plan.warmupRounds + i) % HEALTH_MODES.length]!;
      await once(mode, round < 0 ? undefined : history, async (subject) => {
        await subject.prequeue(plan.jobs);
        // The health-on side's setup and checks allocate more: neither side pays for the other's garbage.
        collectGarbage();
        const result = await drain(subject, stats, plan.jobs, plan.timeoutMs);
        if (round < 0) {
          if (result.problem) problems.push(`${subject.name}, warm-up drain: ${result.problem}`);
          return;
        }
        const side = sides[subject.name] ?? { rates: [], cpu: [], commandJobs: 0 };
        sides[subject.name] = side;
        side.rates.push(result.rate);
        side.cpu.push({ nodeUs: result.nodeUs, redisUs: result.redisUs });
        if (result.problem) problems.push(`${subject.name}, drain ${round + 1}: ${result.problem}`);
      });
    }
  }
  for (const mode of HEALTH_MODES) {
    await once(mode, undefined, async (subject) => {
      const side = sides[subject.name]!;
      await subject.prequeue(plan.countJobs);
      side.commands = await countCommands(
        env.main.url,
        async () => {
          const result = await drain(subject, stats, plan.countJobs, plan.timeoutMs);
          if (result.problem) problems.push(`${subject.name}, MONITOR pass: ${result.problem}`);
        },
        groupOf,
      );
      side.commandJobs = plan.countJobs;
      split[mode] = splitCommands(side.commands, plan.countJobs);
    });
  }
  return { scenario, sides, split, problems, history };
}

const READS = 200_000;

/**
 * Per side, a worker with nothing to do under MONITOR for `idleMs`: what the timers send. Then,
 * health on, what the engine's per-attempt question costs: `healthView.get` of a probed provider.
 */
export async function measureIdle(env: BenchEnv, plan: HealthPlan): Promise<IdleCost> {
  const idle: IdleCost = { commands: {}, readUs: Number.NaN, reads: READS };
  for (const mode of HEALTH_MODES) {
    const subject = await healthDrainable(env, mode, 'primary-ok', plan, undefined);
    try {
      let seconds = 0;
      const counts = await countCommands(
        env.main.url,
        async () => {
          const started = performance.now();
          const worker = await subject.start();
          await sleep(plan.idleMs);
          await worker.close();
          seconds = (performance.now() - started) / 1000;
        },
        groupOf,
      );
      idle.commands[mode] = { seconds, counts };
      if (mode === 'on') idle.readUs = timeReads(subject.backstop);
    } finally {
      await subject.close();
      await env.drop(subject.prefix);
    }
  }
  return idle;
}

/** µs per read of provider state, as `RunState.admits` asks it before every provider. */
function timeReads(backstop: Backstop): number {
  const key = healthKey('a-health');
  let unhealthy = 0;
  const started = performance.now();
  for (let i = 0; i < READS; i++) if (!backstop.healthView.admit(key)) unhealthy++;
  const us = ((performance.now() - started) * 1000) / READS;
  return unhealthy === 0 ? us : Number.NaN; // a probed, healthy provider: never unhealthy
}

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
