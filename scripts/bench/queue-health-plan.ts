import type { SideResult } from './queue-dispatch.js';

/** The scenarios, sides and figures of the healthchecks on/off measurement (queue-health.ts). */
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
