import type { Job } from 'bullmq';
import type { Clock } from '../core/clock.js';
import { phaseOf } from '../core/health/circuit.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import type { Logger } from '../core/logger.js';
import type { TargetResolver } from '../core/target.js';
import type { CircuitStore } from './circuit-store.js';
import type { ProbeJobData } from './healthcheck-scheduler.js';
import { type ProbeHandler, runProbe } from './probe-runner.js';
import type { ProbeStore } from './probe-store.js';

/** Finds a healthcheck's definition; a code-first one comes with its probe function. */
export type HealthcheckLookup = (
  product: string,
  tag: string,
) => Promise<{ definition: HealthcheckDefinition; handler?: ProbeHandler | undefined } | undefined>;

export interface HealthProcessorDeps {
  definition: HealthcheckLookup;
  probes: ProbeStore;
  circuits: CircuitStore;
  targets: TargetResolver;
  policy: { threshold: number; cooldownMs: number };
  clock: Clock;
  logger: Logger;
}

/**
 * Runs one probe and records it. A failed probe is data, not a failed job. A probe also decides a
 * half-open circuit: a success closes it, a failure opens it for another cooldown.
 */
export function healthcheckProcessor(deps: HealthProcessorDeps) {
  return async (job: Job<ProbeJobData>) => {
    const { product, tag, env } = job.data;
    const found = await deps.definition(product, tag);
    if (!found) return { skipped: 'healthcheck no longer exists' };
    const { definition, handler } = found;
    const result = await runProbe(definition, env, product, handler, deps.targets, deps.logger);
    const now = deps.clock.now();
    const state = await deps.probes.apply(
      product,
      env,
      tag,
      { ok: result.ok, latencyMs: result.latencyMs, at: now },
      definition.retries,
    );
    const circuit = await deps.circuits.read(product, env, tag);
    // Only once the cooldown is over: a passing probe must not close a circuit live traffic opened.
    if (phaseOf(circuit, now) === 'half-open') {
      await deps.circuits.record(product, env, tag, result.ok, now, deps.policy);
    }
    const log = result.ok ? deps.logger.debug.bind(deps.logger) : deps.logger.info.bind(deps.logger);
    log(
      {
        healthcheck: tag,
        product,
        env,
        ok: result.ok,
        latencyMs: result.latencyMs,
        status: state.status,
        error: result.error,
      },
      'probe',
    );
    return { ok: result.ok, latencyMs: result.latencyMs, status: state.status, error: result.error };
  };
}
