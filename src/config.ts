import { z } from 'zod';
import { parseOrThrow } from './core/zod-issues.js';

const count = z.coerce.number().int().positive();

const configSchema = z.object({
  REDIS_URL: z.string().min(1).optional(),
  BACKSTOP_PREFIX: z.string().min(1).default('{backstop}'),
  BACKSTOP_PRODUCT: z.string().min(1).optional(),
  BACKSTOP_ENV: z.string().min(1).optional(),
  BACKSTOP_DATA_DIR: z.string().min(1).default('.data'),
  /** The embedded redis-server's timer frequency: 100 by default; 500 for p99 delayed-job lateness under 10 ms. */
  BACKSTOP_REDIS_HZ: z.coerce.number().int().min(1).max(500).default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Job retention, in seconds and counts (never forever: Redis runs with noeviction).
  BACKSTOP_KEEP_COMPLETED_SECONDS: count.default(24 * 3600),
  BACKSTOP_KEEP_COMPLETED_COUNT: count.default(10_000),
  BACKSTOP_KEEP_FAILED_SECONDS: count.default(7 * 24 * 3600),
  BACKSTOP_KEEP_FAILED_COUNT: count.default(50_000),
  // Passive health: consecutive live failures that open a provider's circuit (0: never), and for how long.
  BACKSTOP_CIRCUIT_THRESHOLD: z.coerce.number().int().min(0).default(5),
  BACKSTOP_CIRCUIT_COOLDOWN_MS: count.default(30_000),
  // Worker processes.
  BACKSTOP_DEFINITIONS: z.string().min(1).optional(),
  // Seals session tokens in job data (32 bytes, hex or base64); else a key kept in Redis.
  BACKSTOP_SESSION_KEY: z.string().min(1).optional(),
  BACKSTOP_CONCURRENCY: count.optional(),
  BACKSTOP_SHUTDOWN_GRACE_MS: count.optional(),
  BACKSTOP_LOCK_DURATION_MS: count.optional(),
  BACKSTOP_STALLED_INTERVAL_MS: count.optional(),
  BACKSTOP_MAX_STALLED: z.coerce.number().int().min(0).optional(),
  // HTTP API (src/server.ts). Keys: comma-separated `name:key:scope` entries, scope read or write.
  BACKSTOP_API_KEYS: z.string().min(1).optional(),
  BACKSTOP_API_HOST: z.string().min(1).default('127.0.0.1'),
  BACKSTOP_API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  BACKSTOP_RATE_LIMIT_PER_MINUTE: count.default(600),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** The one place the environment is read. Parsed, then frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return Object.freeze(parseOrThrow(configSchema, env, 'invalid configuration', 'env'));
}
