import { z } from 'zod';

const ms = z.number().int().min(0).max(2_147_483_647);
const positive = z.number().int().positive().max(2_147_483_647);
const percent = z.number().min(0).max(100);

/**
 * The `health` settings of a process, a chain or an option (any subset; README, "Healthchecks",
 * lists each default). `null` turns the latency rule or the Retry-After cool-down off.
 */
export const healthPolicySchema = z.strictObject({
  consecutiveFailures: z.number().int().min(0).max(1_000).optional(),
  failureRate: z
    .strictObject({
      threshold: percent.optional(),
      minVolume: z.number().int().min(1).max(1_000_000).optional(),
      windowMs: positive.optional(),
    })
    .optional(),
  latency: z
    .strictObject({
      thresholdMs: positive.nullable().optional(),
      factor: z.number().min(1).max(1_000).optional(),
      minMs: ms.optional(),
    })
    .nullable()
    .optional(),
  costUnitMs: positive.optional(),
  ejection: z
    .strictObject({ baseMs: ms.optional(), maxMs: ms.optional(), confirmMs: ms.optional() })
    .optional(),
  trialCalls: z.number().int().min(1).max(1_000).optional(),
  slowStartMs: ms.optional(),
  retryAfter: z.strictObject({ maxMs: ms.optional() }).nullable().optional(),
  authFailures: z.enum(['eject', 'count']).optional(),
});

/** A chain's `health` adds the total-outage policy (used with `whenAllUnhealthy: 'panic'`, the default). */
export const chainHealthSchema = healthPolicySchema.extend({
  panic: z
    .strictObject({
      threshold: percent.optional(),
      share: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

export type HealthSettings = z.input<typeof healthPolicySchema>;
export type ChainHealthSettings = z.input<typeof chainHealthSchema>;
