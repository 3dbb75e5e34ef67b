/** How runs are issued: one after another, or `concurrency` lanes each running back to back. */
export type Mode = { kind: 'sequential' } | { kind: 'concurrent'; concurrency: number };

export function modeLabel(mode: Mode): string {
  return mode.kind === 'sequential' ? 'sequential' : `${mode.concurrency} in flight`;
}

/**
 * Runs `run` until `budgetMs` has passed (bounded: no lane starts a run after the budget) and
 * returns completed runs per second, measured to the moment the last run settled.
 */
export async function opsPerSecond(
  run: () => Promise<unknown>,
  mode: Mode,
  budgetMs: number,
): Promise<number> {
  const lanes = mode.kind === 'sequential' ? 1 : mode.concurrency;
  let ops = 0;
  const started = performance.now();
  const end = started + budgetMs;
  const lane = async () => {
    while (performance.now() < end) {
      await run();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return (ops * 1000) / (performance.now() - started);
}

/** Runs `run` exactly `count` times with `lanes` in flight. */
export async function runTimes(run: () => Promise<unknown>, count: number, lanes: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      await run();
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Spread of the rounds around their median, in percent: how much to trust a ratio. */
export function spreadPct(values: readonly number[]): number {
  const m = median(values);
  return m === 0 ? 0 : ((Math.max(...values) - Math.min(...values)) / m) * 100;
}
