import type { Server } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { z } from 'zod';
import type { Backstop } from '../backstop.js';
import { parseOrThrow } from '../core/zod-issues.js';
import { redactor } from '../security/redactor.js';
import { type ApiKey, parseApiKeys } from './api-keys.js';
import { authenticate } from './auth.js';
import { AuthThrottle } from './auth-throttle.js';
import { jsonBodies } from './body.js';
import { rejectCrossSiteWrites } from './cross-site.js';
import { clientErrorHandler, errorHandler, MAX_PARAM_LENGTH } from './error-handler.js';
import { HttpError, HttpErrorCodes } from './http-error.js';
import { traceRequests } from './request-tracing.js';
import { ApiDoc, type RouteDeps } from './route.js';
import { appRoutes } from './routes/apps.js';
import { cacheAndSessionRoutes } from './routes/caches.js';
import { drillRoutes } from './routes/drills.js';
import { fallbackRoutes } from './routes/fallbacks.js';
import { featureRoutes } from './routes/features.js';
import { healthRoutes } from './routes/health.js';
import { healthcheckRoutes } from './routes/healthchecks.js';
import { jobRoutes } from './routes/jobs.js';
import { operationRoutes } from './routes/operations.js';
import { probeRoutes } from './routes/probes.js';
import { quotaRoutes } from './routes/quotas.js';
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
  /** Wrong API keys one client address may present a minute before it is throttled (default 20). */
  authFailuresPerMinute?: number;
  /**
   * Behind a gateway or load balancer: which proxies' `X-Forwarded-For` to believe, so that the
   * client address (auth throttling, logs) is the client's, not the proxy's. Fastify's
   * `trustProxy`: `true` (any), or the proxies' addresses/CIDRs. Default: none.
   */
  trustProxy?: boolean | string | string[];
}

const limitsSchema = z.object({
  rateLimitPerMinute: z.number().int().positive().optional(),
  bodyLimitBytes: z.number().int().positive().optional(),
  authFailuresPerMinute: z.number().int().positive().optional(),
});

declare module 'fastify' {
  interface FastifyInstance {
    /** The Backstop this API serves. */
    backstop: Backstop;
  }
}

/**
 * The HTTP API as a Fastify instance, not listening: the server entry (src/server.ts) listens,
 * tests call `app.inject()`. Everything but `/healthz` and `/readyz` needs an API key.
 */
export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const keys = parseApiKeys(options.keys);
  const limits = {
    rateLimitPerMinute: options.rateLimitPerMinute,
    bodyLimitBytes: options.bodyLimitBytes,
    authFailuresPerMinute: options.authFailuresPerMinute,
  };
  parseOrThrow(limitsSchema, limits, 'invalid API options');
  const { backstop } = options;
  // API keys never leave the process either: redacted wherever they would.
  for (const key of keys) redactor.add(key.key);
  const perMinute = options.rateLimitPerMinute ?? 600;
  const bodyLimit = options.bodyLimitBytes ?? 1_048_576;
  const handleError = errorHandler(backstop.logger, bodyLimit);
  const serverOptions: FastifyHttpOptions<Server> = {
    logger: options.logger ?? false,
    bodyLimit,
    // Every tag (128) and id (256) the schemas allow reaches its route, where a longer one is a
    // 400 naming the parameter; past this the router answers 414.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Bad percent-encoding and over-long parameters go through the one error handler too.
    frameworkErrors: (error, request, reply) =>
      void handleError(error, request as FastifyRequest, reply as FastifyReply),
    clientErrorHandler,
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  };
  const app: FastifyInstance = Fastify(serverOptions);
  const doc = new ApiDoc();
  const deps: RouteDeps = { backstop, doc };

  app.decorate('backstop', backstop);
  app.decorateRequest('apiKey', null);
  app.setErrorHandler(handleError);
  // Nothing of the request is echoed: not even its path.
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ code: 'BACKSTOP_NOT_FOUND', message: 'no such route; see GET /openapi.json' }),
  );
  // The last look at every answer (API, dashboard, Bull Board): no registered secret value leaves.
  app.addHook('onSend', async (_request, reply, payload) =>
    scrubbed(reply.getHeader('content-type'), payload),
  );
  traceRequests(app);
  jsonBodies(app, backstop.limits.maxJsonDepth);
  probeRoutes(app, deps);

  const throttle = new AuthThrottle(options.authFailuresPerMinute ?? 20);
  await app.register(async (scope) => {
    scope.addHook('onRequest', rejectCrossSiteWrites);
    scope.addHook('onRequest', authenticate(keys, throttle));
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
    quotaRoutes(scope, deps);
    appRoutes(scope, deps);
    healthcheckRoutes(scope, deps);
    jobRoutes(scope, deps);
    healthRoutes(scope, deps);
    drillRoutes(scope, deps);
    operationRoutes(scope, deps);
    featureRoutes(scope, deps);
    cacheAndSessionRoutes(scope, deps);
    for (const plugin of options.plugins ?? []) await scope.register(plugin);
  });
  return app;
}

/** Text answers scrubbed of every registered secret value; streams (static assets) pass as they are. */
function scrubbed(contentType: unknown, payload: unknown): unknown {
  if (redactor.empty) return payload;
  if (typeof payload === 'string') return redactor.scrub(payload);
  if (Buffer.isBuffer(payload) && /json|text|javascript/.test(String(contentType ?? ''))) {
    const text = payload.toString('utf8');
    const clean = redactor.scrub(text);
    return clean === text ? payload : clean;
  }
  return payload;
}
