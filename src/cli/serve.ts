import type { Backstop } from '../backstop.js';
import type { Config } from '../config.js';
import { dashboardPlugin } from '../http/dashboard/index.js';
import type { ApiKey } from '../server.js';
import { securityOptions, startApiServer } from '../server.js';

export interface ServeOptions {
  backstop: Backstop;
  config: Config;
  /** The Redis the Backstop uses: Bull Board reads the queues with a connection of its own. */
  redisUrl: string;
  keys: ApiKey[];
  /** Flags, over BACKSTOP_API_HOST, BACKSTOP_API_PORT and BACKSTOP_RATE_LIMIT_PER_MINUTE. */
  host?: string | undefined;
  port?: number | undefined;
  rateLimit?: number | undefined;
  /** Bull Board without retry/clean/remove buttons. */
  readOnly: boolean;
}

/** The HTTP API with the dashboard (/admin/queues, /dashboard/health) mounted behind its auth. */
export function startServing(options: ServeOptions): ReturnType<typeof startApiServer> {
  const { backstop, config, redisUrl, keys, readOnly } = options;
  return startApiServer({
    backstop,
    keys,
    host: options.host ?? config.BACKSTOP_API_HOST,
    port: options.port ?? config.BACKSTOP_API_PORT,
    rateLimitPerMinute: options.rateLimit ?? config.BACKSTOP_RATE_LIMIT_PER_MINUTE,
    ...securityOptions(config),
    plugins: [dashboardPlugin({ backstop, prefix: config.BACKSTOP_PREFIX, readOnly, redis: redisUrl })],
  });
}

/** The URLs a person opens, from the server's base URL. */
export function serviceUrls(
  base: string,
): Record<'api' | 'queues' | 'health' | 'openapi' | 'metrics', string> {
  const root = base.replace(/\/$/, '');
  return {
    api: root,
    queues: `${root}/admin/queues`,
    health: `${root}/dashboard/health`,
    openapi: `${root}/openapi.json`,
    metrics: `${root}/metrics`,
  };
}
