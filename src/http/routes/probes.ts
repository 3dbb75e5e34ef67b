import type { FastifyInstance } from 'fastify';
import { HttpErrorCodes } from '../http-error.js';
import { readiness } from '../readiness.js';
import { liveSchema, readySchema } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

/** Liveness and readiness for orchestrators: no API key, no rate limit. */
export function probeRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'GET',
    url: '/healthz',
    group: 'operations',
    summary: 'Liveness: the process answers',
    public: true,
    responses: { 200: { description: 'alive', schema: liveSchema } },
    handler: async () => ({ status: 'ok' }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/readyz',
    group: 'operations',
    summary: 'Readiness: Redis answers a PING and a fallback worker is connected',
    public: true,
    responses: {
      200: { description: 'ready', schema: readySchema },
      503: { description: 'not ready, with the reasons', schema: readySchema },
    },
    handler: async ({ reply }) => {
      const state = await readiness(backstop);
      if (state.status === 'ready') return state;
      return reply.code(503).send({ code: HttpErrorCodes.NOT_READY, ...state });
    },
  });
}
