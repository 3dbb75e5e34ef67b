import type { FastifyInstance } from 'fastify';
import type { Backstop } from '../../backstop.js';
import type { RedisClient } from '../../redis/redis-client.js';
import { registerHealthRoutes } from './health-routes.js';
import { mountQueuesBoard } from './queues-board.js';
import { registerRunsRoutes } from './runs-routes.js';

export interface DashboardOptions {
  backstop: Backstop;
  /** The Backstop's Redis key prefix (BACKSTOP_PREFIX), which its BullMQ queues live under. */
  prefix: string;
  /**
   * Bull Board without pause/retry/clean/remove/promote/add buttons unless `false`. Default: true.
   * With `false` it is writable for write-scoped keys only: read keys see it read-only, and their
   * writes are refused (403).
   */
  readOnly?: boolean;
  /**
   * The public path the app is served under (a reverse proxy's path, or the Fastify prefix the
   * plugin is registered with). Bull Board writes it into its `<base href>`. Default: the
   * registering scope's Fastify prefix.
   */
  basePath?: string;
  /**
   * Where Bull Board reads the queues. Default: the Backstop's own connection (works with an
   * embedded redis-server too). A client passed here is shared and left open; a URL gets a
   * connection of its own, closed with the app.
   */
  redis?: string | RedisClient;
  /** The env whose provider state and history the health page shows. Default: the Backstop's. */
  env?: string;
}

/**
 * The dashboard as a Fastify plugin, for `buildApp({ plugins })` to register inside its
 * authenticated scope:
 * - `/admin/queues`: Bull Board over the fallback and healthcheck queues;
 * - `/dashboard/health`: provider health per fallback chain, refreshed every 2 s from
 *   `/dashboard/health.json`;
 * - `/dashboard/runs`: the latest runs, synchronous and dispatched, with who served and each
 *   attempt, from `/dashboard/runs.json`.
 * Every route inherits the scope's auth hooks; nothing here authenticates on its own.
 */
export function dashboardPlugin(options: DashboardOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const basePath = trimSlash(options.basePath ?? app.prefix);
    await mountQueuesBoard(app, {
      backstop: options.backstop,
      redis: options.redis,
      prefix: options.prefix,
      readOnly: options.readOnly !== false,
      publicPath: `${basePath}/admin/queues`,
      runsPath: `${basePath}/dashboard/runs`,
    });
    registerHealthRoutes(app, { backstop: options.backstop, env: options.env, basePath });
    registerRunsRoutes(app, { backstop: options.backstop });
  };
}

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
