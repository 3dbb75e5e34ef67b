import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Backstop } from '../../src/backstop.js';
import { countCommands } from './queue-cost.js';
import type { SideResult } from './queue-dispatch.js';
import { type BenchEnv, collectGarbage } from './queue-env.js';
import {
  type CommandSplit,
  HEALTH_MODES,
  type HealthCell,
  type HealthMode,
  type HealthPlan,
  type HealthScenario,
  type IdleCost,
  type Tally,
} from './queue-health-plan.js';
import { groupOf, healthDrainable, healthKey, splitCommands } from './queue-health-sides.js';
import { type Drainable, drain } from './queue-worker.js';

export { HEALTH_TITLES, type HealthCell, type HealthPlan, type HealthScenario } from './queue-health-plan.js';
export { printHealth } from './queue-health-report.js';

/**
 * Worker throughput with healthchecks on against off, side by side on the same Redis, each drain
 * on a fresh prefix with a fresh Backstop. Both sides drain the same stored two-provider chain over
 * in-process handlers. Off: options without a healthcheck, `circuit: false`, `worker({ healthchecks:
 * false })`. On: each option names a stored healthcheck (probing an in-process action every second),
 * circuits on, `worker()` with its healthcheck worker: snapshot reads, passive reporting, circuit
 * writes and history all live. Commands per job come from a MONITOR pass, split into the job's own
 * path, circuit writes, and what timers send (probes, history flush, snapshot reload).
 */

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
    '  failure writes the circuit (EVAL, not awaited); both sides save progress (fenced write) before b.',
    `Commands: ${plan.countJobs} jobs per side under MONITOR, split into job path / circuit writes / health timers`,
    `  (probe jobs, history flush, snapshot reload); timers alone: an idle worker, ${plan.idleMs} ms per side.`,
  ];
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
