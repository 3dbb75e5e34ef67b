import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Backstop } from '../backstop.js';
import { parseOrThrow } from '../core/zod-issues.js';
import { type ApiKey, parseApiKeys } from './api-keys.js';
import { authenticate } from './auth.js';
import { jsonBodies } from './body.js';
import { errorHandler } from './error-handler.js';
import { HttpError, HttpErrorCodes } from './http-error.js';
import { ApiMetrics } from './metrics.js';
import { queueDepths } from './redis-probes.js';
import { ApiDoc, type RouteDeps } from './route.js';
import { appRoutes } from './routes/apps.js';
import { cacheAndSessionRoutes } from './routes/caches.js';
import { fallbackRoutes } from './routes/fallbacks.js';
import { featureRoutes } from './routes/features.js';
import { healthRoutes } from './routes/health.js';
import { healthcheckRoutes } from './routes/healthchecks.js';
import { jobRoutes } from './routes/jobs.js';
import { operationRoutes } from './routes/operations.js';
import { probeRoutes } from './routes/probes.js';
import { runRoutes } from './routes/runs.js';

export type { ApiKey } from './api-keys.js';

export interface ApiOptions {
  backstop: Backstop;
  keys: ApiKey[];
  /** Requests a minute per API key (default 600). */
  rateLimitPerMinute?: number;
  /** Largest accepted request body (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Registered inside the authenticated, rate-limited scope (the dashboard goes here). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** Fastify's request logging (default off; errors are logged through the Backstop's logger). */
  logger?: boolean;
}

const limitsSchema = z.object({
  rateLimitPerMinute: z.number().int().positive().optional(),
  bodyLimitBytes: z.number().int().positive().optional(),
});

declare module 'fastify' {
  interface FastifyInstance {
    /** The Backstop this API serves. */
    backstop: Backstop;
    /** This app's Prometheus metrics; `recordRun(report | error, tag)` counts a run made elsewhere. */
    backstopMetrics: ApiMetrics;
  }
}

/**
 * The HTTP API as a Fastify instance, not listening: the server entry (src/server.ts) listens,
 * tests call `app.inject()`. Everything but `/healthz` and `/readyz` needs an API key.
 */
export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const keys = parseApiKeys(options.keys);
  const limits = { rateLimitPerMinute: options.rateLimitPerMinute, bodyLimitBytes: options.bodyLimitBytes };
  parseOrThrow(limitsSchema, limits, 'invalid API options');
  const { backstop } = options;
  const perMinute = options.rateLimitPerMinute ?? 600;
  const bodyLimit = options.bodyLimitBytes ?? 1_048_576;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit });
  const doc = new ApiDoc();
  const unsubscribe: (() => void)[] = [];
  const metrics = new ApiMetrics(queueDepths(backstop), {
    tracked: () => backstop.health.tracked(),
    onChange: (listener) => {
      const off = backstop.on('health.changed', listener);
      unsubscribe.push(off);
      return off;
    },
  });
  const deps: RouteDeps = { backstop, doc, metrics };

  app.decorate('backstop', backstop);
  app.decorate('backstopMetrics', metrics);
  app.addHook('onClose', async () => {
    for (const off of unsubscribe) off();
  });
  app.decorateRequest('apiKey', null);
  app.setErrorHandler(errorHandler(backstop.logger, bodyLimit));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      code: 'BACKSTOP_NOT_FOUND',
      message: `route ${request.method} ${request.url.split('?')[0]} not found`,
    }),
  );
  jsonBodies(app);
  probeRoutes(app, deps);

  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticate(keys));
    await scope.register(rateLimit, {
      max: perMinute,
      timeWindow: 60_000,
      // Runs after the auth hook (route-level hooks come last): every request here has a key.
      keyGenerator: (request) => request.apiKey?.name ?? request.ip,
      errorResponseBuilder: (request, context) =>
        new HttpError(
          429,
          HttpErrorCodes.RATE_LIMITED,
          `rate limit of ${context.max} requests a minute exceeded for API key '${request.apiKey?.name}'; retry in ${context.after}`,
        ),
    });
    fallbackRoutes(scope, deps);
    runRoutes(scope, deps);
    appRoutes(scope, deps);
    healthcheckRoutes(scope, deps);
    jobRoutes(scope, deps);
    healthRoutes(scope, deps);
    operationRoutes(scope, deps);
    featureRoutes(scope, deps);
    cacheAndSessionRoutes(scope, deps);
    for (const plugin of options.plugins ?? []) await scope.register(plugin);
  });
  return app;
}
