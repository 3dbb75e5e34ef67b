import type { Config } from '../config.js';
import {
  DEFAULT_HEALTH_POLICY,
  type HealthPolicy,
  PASSIVE_OFF,
  resolvePolicy,
} from '../core/health/health-policy.js';
import { type HealthSettings, healthPolicySchema } from '../core/health/health-policy-schema.js';
import { ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';

/** What `new Backstop({ healthPolicy, circuit })` says about health. */
export interface ProcessHealthOptions {
  healthPolicy?: HealthSettings | undefined;
  circuit?: { threshold?: number; cooldownMs?: number } | false;
}

/**
 * The process's health policy: the defaults, then the circuit shorthand (options, else the
 * environment), then BACKSTOP_HEALTH_POLICY, then `healthPolicy`. A threshold of 0 (or `circuit: false`) ignores live traffic.
 */
export function processHealthPolicy(options: ProcessHealthOptions, config: Config): HealthPolicy {
  const raw = config.BACKSTOP_HEALTH_POLICY;
  const envSettings = parseOrThrow(
    healthPolicySchema.optional(),
    raw === undefined ? undefined : jsonOf(raw),
    'invalid BACKSTOP_HEALTH_POLICY',
    'env.BACKSTOP_HEALTH_POLICY',
  );
  const settings = parseOrThrow(
    healthPolicySchema.optional(),
    options.healthPolicy,
    'invalid healthPolicy',
    'healthPolicy',
  );
  const circuit = options.circuit;
  const threshold = circuit === false ? 0 : (circuit?.threshold ?? config.BACKSTOP_CIRCUIT_THRESHOLD);
  const cooldownMs =
    (circuit === false ? undefined : circuit?.cooldownMs) ?? config.BACKSTOP_CIRCUIT_COOLDOWN_MS;
  const shorthand =
    threshold > 0
      ? {
          consecutiveFailures: threshold,
          ejection: { baseMs: cooldownMs, maxMs: Math.max(cooldownMs, DEFAULT_HEALTH_POLICY.ejection.maxMs) },
        }
      : PASSIVE_OFF;
  return resolvePolicy(
    DEFAULT_HEALTH_POLICY,
    shorthand,
    envSettings as HealthSettings | undefined,
    settings as HealthSettings | undefined,
  );
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw ValidationError.field('env.BACKSTOP_HEALTH_POLICY', 'expected JSON, e.g. {"slowStartMs":0}');
  }
}
