import type { FastifyInstance } from 'fastify';
import { historyQuery, statusQuery, tagParams } from '../request-schemas.js';
import { healthStatusSchema, historySchema } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'health';

/** Provider state and history, as healthchecks and live traffic left them. */
export function healthRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'GET',
    url: '/v1/health/:tag',
    group,
    summary: 'Provider state of a healthcheck (or of a provider without one, by its name) in an env',
    params: tagParams,
    query: statusQuery,
    responses: {
      200: {
        description: 'provider_status, last_available, last_checked, circuit…',
        schema: healthStatusSchema,
      },
    },
    handler: async ({ params, query }) => backstop.health.status(params.tag, query.env, query.product),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/health/:tag/history',
    group,
    summary: 'Per-minute history of a provider: successes, failures, skips, latency percentiles',
    description: 'History is kept per provider name; `provider` defaults to the path tag.',
    params: tagParams,
    query: historyQuery,
    responses: { 200: { description: 'one bucket a minute', schema: historySchema } },
    handler: async ({ params, query }) =>
      backstop.health.history({
        provider: query.provider ?? params.tag,
        env: query.env,
        product: query.product,
        from: query.from,
        to: query.to,
      }),
  });
}
