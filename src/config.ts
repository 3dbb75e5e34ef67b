import { z } from 'zod';
import { parseOrThrow } from './core/zod-issues.js';

const configSchema = z.object({
  REDIS_URL: z.string().min(1).optional(),
  BACKSTOP_PREFIX: z.string().min(1).default('{backstop}'),
  BACKSTOP_PRODUCT: z.string().min(1).optional(),
  BACKSTOP_ENV: z.string().min(1).optional(),
  BACKSTOP_DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** The one place the environment is read. Parsed, then frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return Object.freeze(parseOrThrow(configSchema, env, 'invalid configuration', 'env'));
}
