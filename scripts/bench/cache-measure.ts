import type { Redis } from 'ioredis';
import { type BurstSide, redisCommands, type Side } from './cache-sides.js';
import { type Mode, median, opsPerSecond } from './measure.js';

export interface ThroughputPlan {
  warmupMs: number;
  roundMs: number;
  rounds: number;
}

/** What one side did over the counted rounds of a cell. */
export interface SideResult {
  name: string;
  /** Runs per second, one per round. */
  rates: number[];
  /** Vendor calls per run (counted rounds only). */
  callsPerRun: number;
  /** Redis commands per run (INFO total_commands_processed; MULTI and EXEC count one each). */
  redisPerRun: number;
}

export interface ThroughputCell {
  section: string;
  mode: Mode;
  /** The baseline first, as given. */
  sides: SideResult[];
}

/**
 * Measures the sides of one cell in rounds: a warm-up per side, then `rounds` rounds in which every
 * side runs for `roundMs`, the first side rotating from round to round so none always follows the
 * same one. Counts vendor calls and Redis commands per side, around each of its rounds only.
 */
export async function measureThroughput(
  section: string,
  mode: Mode,
  sides: readonly Side[],
  plan: ThroughputPlan,
  probes: { stats: Redis; vendorCalls: () => number },
): Promise<ThroughputCell> {
  const results = sides.map((s) => ({ name: s.name, rates: [] as number[], runs: 0, calls: 0, redis: 0 }));
  for (const side of sides) await opsPerSecond(side.run, mode, plan.warmupMs);
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < sides.length; i++) {
      const index = (round + i) % sides.length;
      const side = sides[index]!;
      const result = results[index]!;
      let runs = 0;
      const counted = () => {
        runs++;
        return side.run();
      };
      const calls = probes.vendorCalls();
      const commands = await redisCommands(probes.stats);
      result.rates.push(await opsPerSecond(counted, mode, plan.roundMs));
      result.redis += (await redisCommands(probes.stats)) - commands - 1;
      result.calls += probes.vendorCalls() - calls;
      result.runs += runs;
    }
  }
  return {
    section,
    mode,
    sides: results.map(({ name, rates, runs, calls, redis }) => ({
      name,
      rates,
      callsPerRun: calls / runs,
      redisPerRun: redis / runs,
    })),
  };
}

/**
 * Median of the per-round ratios side / baseline: each ratio pairs two rounds that ran next to each
 * other, which holds up better than a ratio of medians when the machine's load moves.
 */
export function pairedRatio(side: SideResult, baseline: SideResult): number {
  const ratios = side.rates.flatMap((rate, i) => {
    const base = baseline.rates[i];
    return base ? [rate / base] : [];
  });
  return ratios.length > 0 ? median(ratios) : Number.NaN;
}

export interface BurstPlan {
  runs: number;
  warmupBursts: number;
  bursts: number;
}

export interface BurstResult {
  name: string;
  /** Vendor calls of each counted burst. */
  calls: number[];
  /** Runs of each burst whose report said `cache.hit`. */
  hits: number[];
  /** Each burst's wall time, first start to last settle (ms). */
  durations: number[];
}

/** Bursts per side in rotating order, warm-up bursts first (not counted). */
export async function measureBursts(
  sides: readonly BurstSide[],
  plan: BurstPlan,
  vendorCalls: () => number,
): Promise<BurstResult[]> {
  const results: BurstResult[] = sides.map((s) => ({ name: s.name, calls: [], hits: [], durations: [] }));
  for (const side of sides) {
    for (let i = 0; i < plan.warmupBursts; i++) {
      await side.before();
      await side.burst();
    }
  }
  for (let round = 0; round < plan.bursts; round++) {
    for (let i = 0; i < sides.length; i++) {
      const index = (round + i) % sides.length;
      const side = sides[index]!;
      const result = results[index]!;
      await side.before();
      const calls = vendorCalls();
      const started = performance.now();
      const hits = await side.burst();
      result.durations.push(performance.now() - started);
      result.calls.push(vendorCalls() - calls);
      result.hits.push(hits.filter(Boolean).length);
    }
  }
  return results;
}
