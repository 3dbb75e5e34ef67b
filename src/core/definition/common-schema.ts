import { z } from 'zod';
import { MAX_TIMER_DELAY_MS } from '../backoff.js';
import { buildClassifier, type ErrorClassifier, type ErrorPolicy } from '../classify.js';
import { AMBIGUITY_POLICIES } from '../verify.js';

/** Tags and product names end up in Redis keys and URLs: keep them to a safe alphabet. */
export const tagSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'expected a tag: letters, digits, ".", "_" or "-", at most 128',
  );

/** Node clamps a timer above 2^31-1 ms to 1 ms: a longer timeout would fire at once, not late. */
export const MAX_TIMER_MS = MAX_TIMER_DELAY_MS;
const timerMessage = `expected at most ${MAX_TIMER_MS} ms (about 24.8 days)`;
const waitMs = z.number().int().min(0).max(MAX_TIMER_MS, timerMessage);

export const backoffSchema = z.strictObject({
  type: z.enum(['fixed', 'exponential']),
  delay: waitMs,
  maxDelay: waitMs.optional(),
  jitter: z.boolean().optional(),
});

const statusList = z.array(z.number().int().min(100).max(599));

export const errorPolicySchema = z.strictObject({
  stopOnStatus: statusList.optional(),
  stopOnCodes: z.array(z.string().min(1)).optional(),
  retryOnStatus: statusList.optional(),
  ambiguousOnStatus: statusList.optional(),
  classify: z.function().optional(),
});

export const retriesSchema = z.number().int().min(0).max(100);
export const positiveMs = z.number().int().positive().max(MAX_TIMER_MS, timerMessage);

/** After a provider's retries, when it may have acted: fail over, stop, or verify first. */
export const onAmbiguousSchema = z.enum(AMBIGUITY_POLICIES);

/** Chain options both forms share: an overall deadline and which errors fail over. */
export const chainOptionsShape = {
  /** What a chain does when a provider may have acted on its last call (default `failover`). */
  onAmbiguous: onAmbiguousSchema.optional(),
  /** Every mapped output field must be present in the answer (default false). */
  strictOutput: z.boolean().optional(),
  deadline: positiveMs.optional(),
  errors: errorPolicySchema.optional(),
  /** When every provider is unhealthy: try them anyway in order (default; a stale status must not block all traffic), or fail. */
  whenAllUnhealthy: z.enum(['try-anyway', 'fail']).optional(),
};

export function classifierFor(policy: z.infer<typeof errorPolicySchema> | undefined): ErrorClassifier {
  return buildClassifier(policy as ErrorPolicy | undefined);
}

/** Defaults for what a definition leaves out. Documented in the README. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BACKOFF = Object.freeze({
  type: 'exponential' as const,
  delay: 100,
  maxDelay: 2_000,
  jitter: true,
});
