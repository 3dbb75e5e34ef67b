import type {
  FoundHealthcheck,
  HealthProcessorDeps,
  ProbeOnce,
  ProbeOutcome,
} from './healthcheck-processor.js';

/** A round job's return value, what Bull Board shows of it. */
export interface RoundSummary {
  round: number;
  probes: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Probes that could not be applied (their state write threw); one log line tells why. */
  errors: number;
  /** The failed probes (`tag/env`, the first few), what an operator looks for in a round. */
  failing: string[];
}

/** How many failed probes a round's summary names. */
const FAILING_NAMED = 10;

/** Log code of probes of a round that ran but could not be applied. */
export const PROBE_NOT_APPLIED = 'BACKSTOP_PROBE_NOT_APPLIED';

/**
 * Probes every healthcheck and env of the round of `interval` at once, each exactly as a probe of
 * its own (timeout bounded by the interval, state by compare-and-set), and each definition looked up
 * once for all its envs. A probe that throws does not stop the others: the round logs one line for
 * all of them. A round found empty gives up its scheduler.
 */
export async function runRound(
  interval: number,
  probe: ProbeOnce,
  deps: Pick<HealthProcessorDeps, 'rounds' | 'definition' | 'logger'>,
): Promise<RoundSummary> {
  const members = await deps.rounds.members(interval);
  const summary: RoundSummary = {
    round: interval,
    probes: members.length,
    passed: 0,
    failed: 0,
    skipped: 0,
    errors: 0,
    failing: [],
  };
  if (!members.length) {
    await deps.rounds.retireIfEmpty(interval);
    return summary;
  }
  const lookups = new Map<string, Promise<FoundHealthcheck | undefined>>();
  const find = (product: string, tag: string) => () => {
    const id = `${product}|${tag}`;
    let found = lookups.get(id);
    if (!found) {
      found = deps.definition(product, tag);
      lookups.set(id, found);
    }
    return found;
  };
  const failures: { healthcheck: string; env: string; reason: string }[] = [];
  const outcomes = await Promise.all(
    members.map((member) =>
      probe(member, find(member.product, member.tag), interval).catch((error: unknown): undefined => {
        failures.push({
          healthcheck: member.tag,
          env: member.env,
          reason: (error as Error)?.message ?? String(error),
        });
        return undefined;
      }),
    ),
  );
  outcomes.forEach((outcome, i) => {
    count(summary, outcome);
    const failed = outcome && 'ok' in outcome && !outcome.ok;
    if (failed && summary.failing.length < FAILING_NAMED)
      summary.failing.push(`${members[i]!.tag}/${members[i]!.env}`);
  });
  if (failures.length)
    deps.logger.warn(
      {
        code: PROBE_NOT_APPLIED,
        round: interval,
        errors: failures.length,
        healthchecks: failures.slice(0, 10).map((f) => `${f.healthcheck}/${f.env}`),
        reason: failures[0]!.reason,
      },
      'probes of a round could not be applied',
    );
  return summary;
}

function count(summary: RoundSummary, outcome: ProbeOutcome | undefined): void {
  if (!outcome) summary.errors++;
  else if ('skipped' in outcome) summary.skipped++;
  else if (outcome.ok) summary.passed++;
  else summary.failed++;
}
