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
import type { ProbeJobData } from './healthcheck-scheduler.js';
import { type ProbeFetch, type ProbeHandler, probeTimeout, runProbe } from './probe-runner.js';
import type { ProviderStateStore } from './provider-state-store.js';

/** Finds a healthcheck's definition; a code-first one comes with its probe function. */
export type HealthcheckLookup = (
  product: string,
  tag: string,
) => Promise<{ definition: HealthcheckDefinition; handler?: ProbeHandler | undefined } | undefined>;

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
}

/**
 * Runs one probe and applies it to the provider's state (core/health/apply-probe.ts): hysteresis,
 * and a pass ends an ejection early. A failed probe is data, not a failed job. A probe still running
 * for the same healthcheck and env (in this worker) makes this one a no-op: one slot per schedule.
 */
export function healthcheckProcessor(deps: HealthProcessorDeps) {
  const running = new Set<string>();
  return async (job: Job<ProbeJobData>) => {
    const { product, tag, env, interval } = job.data;
    const id = `${product}\u0000${tag}\u0000${env}`;
    if (running.has(id)) return { skipped: 'the previous probe is still running' };
    running.add(id);
    try {
      const found = await deps.definition(product, tag);
      if (!found) return { skipped: 'healthcheck no longer exists' };
      const { definition, handler } = found;
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
      running.delete(id);
    }
  };
}
