import type { Figures } from './failover-figures.js';
import { PROBE_INTERVAL_MS } from './failover-setups.js';

/** The failover aims, judged on the new model's figures: met / NOT met, one line each. */
export function printAims(results: Map<string, Map<string, Figures>>): void {
  const get = (key: string, id = 'new') => results.get(key)?.get(id);
  const interval = PROBE_INTERVAL_MS;
  const line = (ok: boolean | undefined, text: string) =>
    console.log(`${ok ? 'met    ' : 'NOT met'}  ${text}`);
  console.log('Aims (new model):');
  for (const key of ['hard-down', 'hard-down workers']) {
    const f = get(key);
    line(
      f?.detectionMs !== null && (f?.detectionMs ?? Infinity) <= interval,
      `detection within one probe interval or 5 live failures (${key}): ${f?.detectionMs ?? '-'} ms`,
    );
    line(
      (f?.recoveryMs ?? Infinity) <= interval,
      `recovery within one probe interval of the provider being back (${key}): ${f?.recoveryMs ?? '-'} ms`,
    );
  }
  const flaky = get('errors-30');
  const bare = get('errors-30', 'none');
  line(
    flaky !== undefined &&
      bare !== undefined &&
      flaky.primaryPct >= 60 &&
      flaky.wastedPerRun < bare.wastedPerRun,
    `30 % errors: primary serves ≥ 60 % with fewer wasted calls than no health: ${flaky?.primaryPct.toFixed(1)} %, ${flaky?.wastedPerRun.toFixed(2)} vs ${bare?.wastedPerRun.toFixed(2)} failed calls/run`,
  );
  for (const key of ['hang', 'hang workers']) {
    const f = get(key);
    line(
      f !== undefined && (f.timeoutCostMs ?? 0) <= interval,
      `a hanging primary stops costing a full timeout within one interval (${key}): last at ${f?.timeoutCostMs ?? '-'} ms`,
    );
  }
  const fail = get('all-down');
  line(
    (fail?.recoveryMs ?? Infinity) <= interval,
    `'fail' recovers within one interval: ${fail?.recoveryMs ?? '-'} ms`,
  );
  // In worker processes the probes run in a process of their own; in process they share the event
  // loop with every setup's load, and a stall there delays probes whatever the slots.
  for (const key of ['hang workers', 'hang']) {
    const gaps = get(key)?.probeGaps;
    line(
      gaps?.over === 0,
      `0 probe gaps above 1.5 intervals for healthy providers while another hangs (${key}): ${gaps?.over ?? '-'} (max ${gaps?.maxMs ?? '-'} ms)`,
    );
  }
}
