import { z } from 'zod';
import { MAX_TIMER_DELAY_MS } from '../backoff.js';
import { buildClassifier, type ErrorClassifier, type ErrorPolicy } from '../classify.js';
import type { HealthPolicyInput } from '../health/health-policy.js';
import { type ChainHealthSettings, chainHealthSchema } from '../health/health-policy-schema.js';
import { DEFAULT_PANIC, type PanicPolicy } from '../health/panic.js';
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

/** A quota option's share of traffic, relative to the others'; 0 drains the provider. */
export const weightSchema = z.number().min(0).max(1_000_000);

/** `batch: { maxSize }`: a provider that takes many items of a batch run in one call. */
export const batchSchema = z.strictObject({ maxSize: z.number().int().min(1).max(10_000) });

export const retriesSchema = z.number().int().min(0).max(100);
export const positiveMs = z.number().int().positive().max(MAX_TIMER_MS, timerMessage);

/** `hedge: { delay, maxAttempts, safe }` (hedge.ts): hedged calls to a slow provider. */
export const hedgeSchema = z.strictObject({
  delay: positiveMs,
  maxAttempts: z.number().int().min(1).max(10).default(1),
  safe: z.boolean().optional(),
});

/** Hedging needs a second concurrent call to be safe: an HTTP app action (same idempotency key) or `safe: true`. */
export const HEDGE_UNSAFE =
  'a hedged call runs beside the first: only an app action (which receives the same Idempotency-Key) or an option marked hedge.safe: true';
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
  /**
   * When providers are out of rotation: `panic` (default: below `health.panic.threshold` % healthy,
   * `health.panic.share` of runs ignore health, the others fail once every provider is skipped),
   * `try-anyway` (every run tries them all when all were skipped), or `fail`.
   */
  whenAllUnhealthy: z.enum(['panic', 'try-anyway', 'fail']).optional(),
  /** Health settings for every provider of the chain, and the panic threshold. */
  health: chainHealthSchema.optional(),
  /** The named job queue its dispatched runs go to (default: its product's), for workers of its own. */
  queue: tagSchema
    .refine(
      (name) => name !== 'healthchecks' && name !== 'fallback-jobs',
      'is reserved; choose another queue name',
    )
    .optional(),
};

/** A chain's `health` split into what its providers inherit and its panic policy. */
export function chainHealthOf(settings: ChainHealthSettings | undefined): {
  providers: HealthPolicyInput | undefined;
  panic: PanicPolicy;
} {
  if (!settings) return { providers: undefined, panic: DEFAULT_PANIC };
  const { panic, ...providers } = settings;
  return {
    providers: Object.keys(providers).length > 0 ? (providers as HealthPolicyInput) : undefined,
    panic: { ...DEFAULT_PANIC, ...panic },
  };
}

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
