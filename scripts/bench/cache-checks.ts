import { SessionInvalidError } from '../../src/index.js';
import type { BurstResult, ThroughputCell } from './cache-measure.js';
import { CACHE_TAG, CODE_TAG, HTTP_TAG, INPUT, type Installation, SESSION_TAG } from './cache-sides.js';
import { modeLabel } from './measure.js';

/** Before measuring: a hit calls nothing, a miss calls once, a bad token is refused. */
export async function checkPaths(installation: Installation): Promise<string[]> {
  const { a, vendor, token } = installation;
  const problems: string[] = [];
  const input = { ...INPUT, n: -3 };
  const before = vendor.calls;
  const first = await a.fallback.runDetailed({ tag: HTTP_TAG, input, cache: CACHE_TAG });
  const second = await a.fallback.runDetailed({ tag: HTTP_TAG, input, cache: CACHE_TAG });
  if (first.cache?.hit !== false || second.cache?.hit !== true || vendor.calls - before !== 1) {
    problems.push(
      `a first run then the same run with a cache: hit ${first.cache?.hit}/${second.cache?.hit}, ` +
        `${vendor.calls - before} vendor calls; expected false/true and 1`,
    );
  }
  const refused = await a.fallback
    .run({ tag: CODE_TAG, input: INPUT, session: { tag: SESSION_TAG, token: `${token}x` } })
    .then(
      () => false,
      (error: unknown) => error instanceof SessionInvalidError,
    );
  if (!refused) problems.push('a run with an altered token was not refused with SessionInvalidError');
  return problems;
}

/**
 * After measuring: the vendor calls each side made are the ones its name promises, per run
 * (`perRun`, by side name) and per burst of identical runs (`perBurst`).
 */
export function pathChecks(
  cells: readonly ThroughputCell[],
  bursts: readonly BurstResult[],
  perRun: Record<string, number>,
  perBurst: Record<string, number>,
): string[] {
  const problems: string[] = [];
  for (const cell of cells) {
    for (const side of cell.sides) {
      const want = perRun[side.name];
      if (want !== undefined && side.callsPerRun !== want) {
        problems.push(
          `${cell.section}, ${modeLabel(cell.mode)}, ${side.name}: ${side.callsPerRun.toFixed(3)} vendor ` +
            `calls per run, expected ${want}`,
        );
      }
    }
  }
  for (const burst of bursts) {
    const off = burst.calls.filter((c) => c !== perBurst[burst.name]);
    if (off.length > 0)
      problems.push(
        `${burst.name}: vendor calls per burst ${burst.calls.join(',')}, expected ${perBurst[burst.name]}`,
      );
  }
  return problems;
}
