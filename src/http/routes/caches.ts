import type { FastifyInstance } from 'fastify';
import type { CacheDefinition } from '../../cache/cache-definition.js';
import type { OperatorInput } from '../../client/operator-api.js';
import { objectBody } from '../body.js';
import { cacheClearSchema, cacheCreateSchema, processorBodySchema, tagParams } from '../request-schemas.js';
import { cacheTypeSchema, listOf } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

/**
 * Result caches, the session types this server knows (never their keys), and the processor API's
 * processor entry point.
 */
export function cacheAndSessionRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'PUT',
    url: '/v1/caches/:tag',
    group: 'caches',
    summary: 'Create or replace a result cache ({ ttl })',
    params: tagParams,
    body: { schema: cacheCreateSchema.omit({ tag: true }), required: true },
    responses: { 200: { description: 'the cache', schema: cacheTypeSchema } },
    handler: async ({ params, body }) =>
      backstop.cache.define({ ...objectBody(body, true), tag: params.tag } as CacheDefinition),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/caches',
    group: 'caches',
    summary: 'List result caches',
    responses: { 200: { description: 'the caches', schema: listOf('caches', cacheTypeSchema) } },
    handler: async () => ({ caches: await backstop.cache.fetchAll() }),
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/caches/:tag',
    group: 'caches',
    summary: 'Delete a result cache (its stored results are never served again)',
    params: tagParams,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ params, reply }) => {
      await backstop.cache.delete(params.tag);
      return reply.code(204).send();
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/caches/clear',
    group: 'caches',
    summary: "Delete one fallback's stored results in one env",
    body: { schema: cacheClearSchema, required: true },
    responses: { 200: { description: '{ deleted }' } },
    handler: async ({ body }) => ({
      deleted: await backstop.cache.clear(objectBody(body, true) as { tag: string }),
    }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/sessions',
    group: 'sessions',
    summary: 'Session types this server verifies (defined in BACKSTOP_DEFINITIONS; never their keys)',
    responses: { 200: { description: '{ sessions }' } },
    handler: async () => ({ sessions: backstop.session.fetchAll() }),
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/processor/fallback/run',
    group: 'processor',
    summary:
      'The processor API: trigger, update or reset a fallback ({ env, product_tag, fallback_tag, action, input })',
    description:
      'trigger answers the run result; update answers { changed, fallback }; reset answers { providers, cacheEntries }.',
    body: { schema: processorBodySchema, required: true },
    responses: { 200: { description: 'the action’s result' } },
    handler: async ({ body }) =>
      backstop.processor.fallback.run(objectBody(body, true) as unknown as OperatorInput),
  });
}
