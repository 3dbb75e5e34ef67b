import { Backstop } from '../../backstop.js';
import { loadConfig } from '../../config.js';
import { apiKeysFromEnv } from '../../http/api-keys.js';
import { createLogger } from '../../logger.js';
import { loadDefinitions } from '../../worker-process.js';
import { commandRedis } from '../client.js';
import type { Io } from '../io.js';
import { formatError } from '../output.js';
import { serviceUrls, startServing } from '../serve.js';
import { Cleanup, exitOnSignals, stopAndExit } from '../shutdown.js';

export interface ApiCommandOptions {
  host?: string;
  port?: number;
  rateLimit?: number;
  /** Bull Board with its retry/clean/remove buttons; read-only by default. */
  dashboardWritable?: boolean;
}

/**
 * `backstop api`: the HTTP API and dashboard on the Redis in REDIS_URL (else the project's
 * embedded one), keys from
 * BACKSTOP_API_KEYS (required: an API nobody may call is a misconfiguration). It runs no worker:
 * jobs it dispatches wait for `backstop worker` processes. Pino JSON logs on stdout.
 */
export async function runApi(options: ApiCommandOptions, io: Io): Promise<void> {
  const cleanup = new Cleanup();
  exitOnSignals(cleanup, io);
  try {
    const config = loadConfig(io.env);
    const keys = apiKeysFromEnv(config.BACKSTOP_API_KEYS);
    const logger = createLogger(config.LOG_LEVEL, { role: 'api' });
    const redis = await commandRedis(config);
    cleanup.add('redis', () => redis.release());
    const redisUrl = redis.url;
    if (!config.REDIS_URL)
      logger.warn({ redis: redis.note }, 'REDIS_URL is not set: using the embedded redis-server');
    const backstop = new Backstop({ redis: redisUrl, logger, processEnv: io.env });
    cleanup.add('backstop', () => backstop.close());
    await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
    const { host, port, rateLimit } = options;
    const readOnly = !options.dashboardWritable;
    const server = await startServing({ backstop, config, redisUrl, keys, host, port, rateLimit, readOnly });
    cleanup.add('api', () => server.close());
    logger.info({ pid: process.pid, ...serviceUrls(server.url), keys: keys.length }, 'api ready');
  } catch (error) {
    io.err(formatError(error));
    await stopAndExit(cleanup, io, 1);
  }
}
