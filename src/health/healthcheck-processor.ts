import type { Job } from 'bullmq';
import type { Clock } from '../core/clock.js';
import { applyProbe } from '../core/health/apply-probe.js';
import type { HealthPolicy } from '../core/health/health-policy.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import { phaseAt } from '../core/health/phase.js';
import type { Logger } from '../core/logger.js';
import type { TargetResolver } from '../core/target.js';
import { redactor } from '../security/redactor.js';
import type { HealthSnapshot } from './health-snapshot.js';
import { isRoundJob, type ProbeJobData } from './healthcheck-scheduler.js';
import type { RoundMember } from './probe-rounds.js';
import { type ProbeFetch, type ProbeHandler, probeTimeout, runProbe } from './probe-runner.js';
import type { ProviderStateStore } from './provider-state-store.js';
import { runRound } from './round-runner.js';

/** A healthcheck's definition; a code-first one comes with its probe function. */
export type FoundHealthcheck = { definition: HealthcheckDefinition; handler?: ProbeHandler | undefined };

/** Finds a healthcheck's definition; a code-first one comes with its probe function. */
export type HealthcheckLookup = (product: string, tag: string) => Promise<FoundHealthcheck | undefined>;

export interface HealthProcessorDeps {
  definition: HealthcheckLookup;
  states: ProviderStateStore;
  snapshot: HealthSnapshot;
  targets: TargetResolver;
  /** How URL probes call: through the outbound policy. */
  fetch: ProbeFetch;
  policy: HealthPolicy;
  clock: Clock;
  logger: Logger;
  /** Who is in a round now, and how a round found empty gives up its scheduler (probe-rounds.ts). */
  rounds: {
    members(interval: number): Promise<RoundMember[]>;
    retireIfEmpty(interval: number): Promise<void>;
  };
}

/** What one probe came to: a pass or a failure (data, not an error), or why it did not run. */
export type ProbeOutcome =
  | { ok: boolean; latencyMs: number; status: string | undefined; error: string | undefined }
  | { skipped: string };

/** Runs one probe of one healthcheck and env; `find` gives its definition (looked up once a round). */
export type ProbeOnce = (
  member: RoundMember,
  find: () => Promise<FoundHealthcheck | undefined>,
  interval: number | undefined,
) => Promise<ProbeOutcome>;

/**
 * Runs probe jobs: a round's job probes every healthcheck and env of its round at once
 * (round-runner.ts); a single probe's job, queued by an earlier version, probes its one.
 */
export function healthcheckProcessor(deps: HealthProcessorDeps) {
  const probe = probeOnce(deps);
  return async (job: Job<ProbeJobData>) => {
    const data = job.data;
    if (isRoundJob(data)) return runRound(data.round, probe, deps);
    return probe(data, () => deps.definition(data.product, data.tag), data.interval);
  };
}

/**
 * One probe, applied to the provider's state (core/health/apply-probe.ts): hysteresis, and a pass
 * ends an ejection early. A failed probe is data, not an error. A probe of the same healthcheck and
 * env still running in this process (one that ignored its timeout) makes this one a no-op.
 */
function probeOnce(deps: HealthProcessorDeps): ProbeOnce {
  const running = new Set<string>();
  return async ({ product, tag, env }, find, interval) => {
    const id = `${product}\u0000${tag}\u0000${env}`;
    if (running.has(id)) return { skipped: 'the previous probe is still running' };
    running.add(id);
    let outliving: Promise<void> | undefined;
    try {
      const found = await find();
      if (!found) return { skipped: 'healthcheck no longer exists' };
      const { definition, handler } = found;
      if (!definition.envs.some((e) => e.slug === env))
        return { skipped: `env '${env}' is no longer probed` };
      const timeout = probeTimeout(definition, interval);
      const result = await runProbe(
        definition,
        env,
        product,
        handler,
        deps.targets,
        deps.logger,
        timeout,
        deps.fetch,
      );
      outliving = result.outliving;
      const probe = { ok: result.ok, latencyMs: result.latencyMs, at: deps.clock.now() };
      const rules = { failures: definition.retries, passes: definition.passes };
      const key = { product, env, healthcheck: tag };
      const { current } = await deps.states.update(
        product,
        env,
        tag,
        (state) => applyProbe(state, probe, rules, deps.policy),
        deps.snapshot.get(key) ?? null,
      );
      if (current) deps.snapshot.put(key, current.version, current.state);
      // Why it failed, for the health page and `health.status` (scrubbed: an error may echo a header).
      if (!result.ok && result.error)
        await deps.states
          .recordProbeError(product, env, tag, probe.at, redactor.scrub(result.error).slice(0, 500))
          .catch((error: unknown) =>
            deps.logger.warn(
              { code: 'BACKSTOP_PROBE_ERROR_NOT_KEPT', healthcheck: tag, reason: (error as Error).message },
              'could not keep the probe error',
            ),
          );
      const view = current ? phaseAt(current.state, probe.at) : undefined;
      const log = result.ok ? deps.logger.debug.bind(deps.logger) : deps.logger.info.bind(deps.logger);
      log(
        {
          healthcheck: tag,
          product,
          env,
          ok: result.ok,
          latencyMs: result.latencyMs,
          status: view?.status,
          state: view?.phase,
          error: result.error,
        },
        'probe',
      );
      return { ok: result.ok, latencyMs: result.latencyMs, status: view?.status, error: result.error };
    } finally {
      // Work that ignored its timeout keeps its healthcheck and env busy until it really ends.
      if (outliving) void outliving.finally(() => running.delete(id));
      else running.delete(id);
    }
  };
}
