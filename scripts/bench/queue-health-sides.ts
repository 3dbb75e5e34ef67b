import { setTimeout as sleep } from 'node:timers/promises';
import { Backstop } from '../../src/backstop.js';
import { STREAK_KEPT } from '../../src/core/health/apply-live.js';
import type { HealthKey } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { HEALTHCHECK_QUEUE } from '../../src/health/healthcheck-scheduler.js';
import type { CommandGroup } from './queue-cost.js';
import type { BenchEnv } from './queue-env.js';
import {
  type CommandSplit,
  HEALTH_LABELS,
  type HealthMode,
  type HealthPlan,
  type HealthScenario,
  type Tally,
} from './queue-health-plan.js';
import { type Calls, ENV, PRODUCT, prequeueBackstop, TAG } from './queue-sides.js';
import type { Drainable } from './queue-worker.js';

/**
 * The two sides of the healthchecks measurement: a Backstop with healthchecks off or on over the
 * same stored chain, and how a MONITOR pass's commands split into the job's path, circuit writes
 * and what timers send.
 */
const H2_THRESHOLD = 1_000_000;
const APP = 'bench-app';
const PROBED = [
  ['a', 'a-health'],
  ['b', 'b-health'],
] as const;

const CIRCUIT_WRITE = 'circuit write';
const HEALTH_TIMERS = 'health timers';
const SETUP = 'setup';
/** Sent once per connection, however many jobs it carries. */
const SETUP_COMMANDS = new Set(['hello', 'client', 'select', 'quit', 'subscribe']);
/** Keys that only probes, history flushes and snapshot reloads touch (circuit keys: reads, not EVAL). */
const TIMER_KEYS = [
  `:${HEALTHCHECK_QUEUE}:`,
  ':probe:',
  ':probe-round',
  ':health-index',
  ':history:',
  ':circuit:',
  ':health:',
  ':healths:',
  ':health-interval:',
];

export const groupOf: CommandGroup = (command, args) => {
  const rest = args.slice(1);
  if ((command === 'eval' || command === 'evalsha') && rest.some((a) => a.includes(':circuit:')))
    return CIRCUIT_WRITE;
  if (rest.some((a) => TIMER_KEYS.some((key) => a.includes(key)))) return HEALTH_TIMERS;
  if (SETUP_COMMANDS.has(command)) return SETUP;
  return undefined;
};

export function splitCommands(counts: Map<string, number>, jobs: number): CommandSplit {
  const split: CommandSplit = { jobPath: 0, circuitWrites: 0, background: 0 };
  for (const [name, n] of counts) {
    if (name.startsWith(`${CIRCUIT_WRITE}: `)) split.circuitWrites += n / jobs;
    else if (name.startsWith(`${HEALTH_TIMERS}: `) || name.startsWith(`${SETUP}: `))
      split.background += n / jobs;
    else split.jobPath += n / jobs;
  }
  return split;
}

export function healthKey(healthcheck: string): HealthKey {
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
    // (h2) counts every live failure without ejecting: the failure-rate and latency rules, which
    // would take the failing primary out of rotation after its first few dozen calls, are off.
    ...(on && fails ? { healthPolicy: { failureRate: { threshold: 0 }, latency: null } } : {}),
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
  // The shared state keeps the last failures of a streak (enough for any threshold), not all of
  // them: (h2) must show a streak, (h1) none. Every call is in the history, checked below.
  const wantFailures = fails ? Math.min(count, STREAK_KEPT) : 0;
  let failures = -1;
  // Circuit writes are not awaited by the run: give the last ones a moment to land.
  const landed = await waitFor(async () => {
    failures = Math.floor((await backstop.health.status('a-health', ENV)).circuit.failures);
    return failures === wantFailures;
  }, 2_000);
  if (!landed) problems.push(`circuit of a-health counted ${failures} failures, expected ${wantFailures}`);
  // History is counted in memory and written once a second: wait for the last counts to land.
  const recorded = async () => {
    const served = await backstop.health.history({ provider: fails ? 'b' : 'a', env: ENV });
    let n = served.buckets.reduce((sum, b) => sum + b.success, 0);
    if (fails) {
      const primary = await backstop.health.history({ provider: 'a', env: ENV });
      n += primary.buckets.reduce((sum, b) => sum + b.failure, 0);
    }
    return n;
  };
  const expected = fails ? 2 * count : count;
  let seen = 0;
  await waitFor(async () => {
    seen = await recorded();
    return seen >= expected;
  }, 3_000);
  history.expected += expected;
  history.recorded += seen;
  return problems;
}

export async function healthDrainable(
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
    prequeue: (count) => prequeueBackstop(backstop, count),
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
