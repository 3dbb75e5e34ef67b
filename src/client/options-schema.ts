import { z } from 'zod';
import { tagSchema } from '../core/definition/common-schema.js';

/** What `new Backstop(options)` checks before anything starts. */
export const backstopOptionsSchema = z.looseObject({
  redis: z.union([z.string().min(1), z.object({}).passthrough()]).optional(),
  product: tagSchema.optional(),
  env: tagSchema.optional(),
  prefix: z.string().min(1).optional(),
  checkReferences: z.boolean().optional(),
  random: z.function().optional(),
  metrics: z.boolean().optional(),
});
