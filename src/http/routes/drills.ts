import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { drillRequestSchema } from '../../core/drill.js';
import { NotFoundError } from '../../core/validation-error.js';
import { objectBody } from '../body.js';
import { idParams, listFallbacksQuery } from '../request-schemas.js';
import { drillSchema, listOf } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'drills';

/** Failover drills: start one, list those in force, cancel one. */
export function drillRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'POST',
    url: '/v1/drills',
    group,
    summary: 'Start a failover drill: runs treat a provider as failing for `duration` ms, in every process',
    description:
      "`{ tag | provider, env?, product?, mode: 'down' | 'slow' | 'error-rate', rate?, latencyMs?, duration }`. Attempts the drill decided say `drill: true`. It ends by itself.",
    body: { schema: drillRequestSchema, required: true },
    responses: { 201: { description: 'the drill, with its id and end time', schema: drillSchema } },
    handler: async ({ body, reply }) => {
      const drill = await backstop.health.drill(objectBody(body, true) as z.input<typeof drillRequestSchema>);
      return reply.code(201).header('location', `/v1/drills/${drill.id}`).send(drill);
    },
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/drills',
    group,
    summary: 'The drills in force, ending soonest first',
    query: listFallbacksQuery,
    responses: { 200: { description: 'the drills', schema: listOf('drills', drillSchema) } },
    handler: async ({ query }) => ({ drills: await backstop.health.drills(query.product) }),
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/drills/:id',
    group,
    summary: 'End a drill now, in every process',
    params: idParams,
    responses: { 204: { description: 'ended' }, 404: { description: 'no such drill in force' } },
    handler: async ({ params, reply }) => {
      if (!(await backstop.health.cancelDrill(params.id))) throw new NotFoundError('drill', params.id);
      return reply.code(204).send();
    },
  });
}
