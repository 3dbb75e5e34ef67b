import { z } from 'zod';
import { MAX_TIMER_MS, tagSchema } from '../core/definition/common-schema.js';
import { parseDuration } from '../core/duration.js';
import { UnsupportedError, ValidationError } from '../core/validation-error.js';

/** `cache.define({ tag, ttl })`: how long successful results of runs naming this cache are kept. */
export const cacheDefinitionSchema = z.strictObject({
  tag: tagSchema,
  /** ms, or a duration such as '30s', '10m', '1d'. */
  ttl: z.union([z.number(), z.string()]).transform((value, ctx) => {
    try {
      const ms = parseDuration(value, 'ttl');
      if (ms >= 1 && ms <= MAX_TIMER_MS * 100) return ms;
      ctx.addIssue({ code: 'custom', message: 'expected at least 1 ms and at most about 2,480 days' });
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: (error as { issues?: { message: string }[] }).issues?.[0]?.message ?? String(error),
      });
    }
    return z.NEVER;
  }),
  description: z.string().optional(),
});

export type CacheDefinition = z.input<typeof cacheDefinitionSchema>;
export interface StoredCacheType {
  tag: string;
  /** Milliseconds. */
  ttl: number;
  description?: string | undefined;
  updatedAt: string;
}

/** A run or dispatch names a cache nobody defined: the field is `cache`. */
export function noSuchCache(tag: string): ValidationError {
  return ValidationError.field(
    'cache',
    `no cache '${tag}' is defined; define it with cache.define({ tag, ttl })`,
  );
}

/** `cache` on a feature run or dispatch: refused, not ignored. */
export function featuresAreNotCached(): UnsupportedError {
  return new UnsupportedError(
    'cache',
    'features are not cached; name a cache on the fallbacks they run instead',
  );
}
