/**
 * The HTTP API server. As a library: `startApiServer(options)`. As a process:
 *   REDIS_URL=redis://127.0.0.1:6379 BACKSTOP_API_KEYS="ci:<key>:write,grafana:<key>:read" npx tsx src/server.ts
 * with BACKSTOP_API_HOST (default 127.0.0.1), BACKSTOP_API_PORT (default 3000),
 * BACKSTOP_RATE_LIMIT_PER_MINUTE (per key, default 600), BACKSTOP_AUTH_FAILURES_PER_MINUTE (wrong
 * keys per client address, default 20), BACKSTOP_TRUST_PROXY and BACKSTOP_DEFINITIONS (code-first
 * chains and handlers, as for workers). First SIGTERM/SIGINT: stop accepting, finish in-flight
 * requests, close; a second one exits at once.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Backstop } from './backstop.js';
import { type Config, loadConfig } from './config.js';
import { apiKeysFromEnv } from './http/api-keys.js';
import { type ApiOptions, buildApp } from './http/app.js';
import { Cleanup, exitOnSignals, logReport } from './shutdown.js';
import { loadDefinitions } from './worker-process.js';

export type { ApiKey, ApiOptions } from './http/app.js';
export { apiKeysFromEnv };

export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:3000` (the real port when 0 was asked for). */
  url: string;
  app: FastifyInstance;
  /** Stops listening and waits for in-flight requests. The Backstop stays open: it is the caller's. */
  close(): Promise<void>;
}

/** Builds the app and listens. Port 0 picks a free port. */
export async function startApiServer(
  options: ApiOptions & { host?: string; port?: number },
): Promise<ApiServer> {
  const { host = '127.0.0.1', port = 3000, ...api } = options;
  const app = await buildApp(api);
  const url = await app.listen({ host, port });
  return { url, app, close: () => app.close() };
}

/**
 * BACKSTOP_AUTH_FAILURES_PER_MINUTE and BACKSTOP_TRUST_PROXY (`true`, or the proxies'
 * comma-separated addresses/CIDRs) as API options.
 */
export function securityOptions(config: Config): Pick<ApiOptions, 'authFailuresPerMinute' | 'trustProxy'> {
  const proxy = config.BACKSTOP_TRUST_PROXY?.trim();
  const trustProxy =
    proxy === undefined || proxy === '' || proxy === 'false'
      ? undefined
      : proxy === 'true'
        ? true
        : proxy.split(',').map((p) => p.trim());
  return {
    authFailuresPerMinute: config.BACKSTOP_AUTH_FAILURES_PER_MINUTE,
    ...(trustProxy === undefined ? {} : { trustProxy }),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const keys = apiKeysFromEnv(config.BACKSTOP_API_KEYS);
  const backstop = new Backstop();
  await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
  const server = await startApiServer({
    backstop,
    keys,
    host: config.BACKSTOP_API_HOST,
    port: config.BACKSTOP_API_PORT,
    rateLimitPerMinute: config.BACKSTOP_RATE_LIMIT_PER_MINUTE,
    ...securityOptions(config),
  });
  backstop.logger.info({ url: server.url, keys: keys.map((k) => `${k.name}:${k.scope}`) }, 'API listening');
  const cleanup = new Cleanup();
  cleanup.add('backstop', () => backstop.close());
  cleanup.add('server', () => server.close());
  exitOnSignals(cleanup, logReport(backstop.logger, 'shutting down: finishing in-flight requests'));
}

// Side effects only when run as a process, never on import.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error((error as Error).message ?? error);
    process.exit(1);
  });
}
