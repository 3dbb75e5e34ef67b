import type { FastifyInstance } from 'fastify';
import type { DeclarativeDefinition } from '../../core/definition/declarative-schema.js';
import { objectBody, productOf, withField } from '../body.js';
import {
  fallbackCreateSchema,
  fallbackPatchSchema,
  listFallbacksQuery,
  productQuery,
  tagParams,
} from '../request-schemas.js';
import { fallbackSchema, listOf } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'fallbacks';

/** Declarative fallback definitions (`options: [...]`): create, list, fetch, update, delete. */
export function fallbackRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  const fallback = backstop.fallback;

  route(app, doc, {
    method: 'POST',
    url: '/v1/fallbacks',
    group,
    summary: 'Create a declarative fallback chain',
    description:
      'Creating the same definition again is a no-op; a different one under the same tag is a 409 (use PATCH). `product` may be given in the query or the body.',
    query: productQuery,
    body: { schema: fallbackCreateSchema, required: true },
    responses: {
      201: { description: 'created (or already there, identical)', schema: fallbackSchema },
      409: { description: 'a different definition has this tag' },
    },
    handler: async ({ query, body, reply }) => {
      const definition = withField(objectBody(body, true), 'product', query.product);
      const created = await fallback.create(definition as unknown as DeclarativeDefinition);
      reply.header('location', `/v1/fallbacks/${created.tag}?product=${created.product}`);
      return reply.code(201).send(created);
    },
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/fallbacks',
    group,
    summary: 'List fallback chains (stored and code-first), of one product or all',
    query: listFallbacksQuery,
    responses: { 200: { description: 'the chains', schema: listOf('fallbacks', fallbackSchema) } },
    handler: async ({ query }) => ({ fallbacks: await fallback.fetchAll(query.product) }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/fallbacks/:tag',
    group,
    summary: 'Fetch a fallback chain with its providers’ tracked state',
    params: tagParams,
    query: productQuery,
    responses: { 200: { description: 'the chain', schema: fallbackSchema } },
    handler: async ({ params, query }) =>
      query.product ? fallback.fetch(query.product, params.tag) : fallback.fetch(params.tag),
  });

  route(app, doc, {
    method: 'PATCH',
    url: '/v1/fallbacks/:tag',
    group,
    summary: 'Update a fallback chain',
    description:
      'Top-level fields of the patch replace the stored ones; re-validated; the version is bumped.',
    params: tagParams,
    query: productQuery,
    body: { schema: fallbackPatchSchema, required: true },
    responses: { 200: { description: 'the updated chain', schema: fallbackSchema } },
    handler: async ({ params, query, body }) => {
      const patch = withField(objectBody(body, true), 'tag', params.tag);
      const product = productOf(query.product, patch);
      const { product: _product, ...fields } = patch; // where it lives, not a field to change
      return product ? fallback.update(product, params.tag, fields) : fallback.update(params.tag, fields);
    },
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/fallbacks/:tag',
    group,
    summary: 'Delete a fallback chain',
    params: tagParams,
    query: productQuery,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ params, query, reply }) => {
      await (query.product ? fallback.delete(query.product, params.tag) : fallback.delete(params.tag));
      return reply.code(204).send();
    },
  });
}
