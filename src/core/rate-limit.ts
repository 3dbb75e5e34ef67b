import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * `rateLimit: { max, per }` on an option: at most `max` calls to this provider in any window of
 * `per` (ms or '1s', '1m'), counted across every process of the installation. A call over the
 * limit waits for a free slot while the run's deadline (else one window) allows, or fails over.
 */
export interface RateLimitSpec {
  max: number;
  perMs: number;
}

export const rateLimitSchema = z
  .strictObject({
    max: z.number().int().positive().max(1_000_000),
    per: z.union([z.number().int().positive(), z.string().min(1)]),
  })
  .transform((value, ctx): RateLimitSpec => {
    try {
      const perMs = parseDuration(value.per, 'per');
      if (perMs > 0 && perMs <= 24 * 3_600_000) return { max: value.max, perMs };
      ctx.addIssue({ code: 'custom', path: ['per'], message: 'expected a window from 1 ms to 1 day' });
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['per'],
        message: (error as Error).message.replace(/^per: /, ''),
      });
    }
    return z.NEVER;
  });

/** What the engine asks before each call to a rate-limited provider (implemented on Redis). */
export interface RateLimiter {
  /**
   * Takes a slot of `key`'s window now, or says how long until one frees up (`waitMs`): the caller
   * waits (bounded by its deadline) and asks again, or fails over.
   */
  take(key: string, limit: RateLimitSpec): Promise<{ ok: true } | { ok: false; waitMs: number }>;
}
