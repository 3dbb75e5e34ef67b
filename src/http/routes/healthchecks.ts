import type { FastifyInstance } from 'fastify';
import type { HealthcheckInput } from '../../core/health/healthcheck-schema.js';
import { objectBody, productOf, withField } from '../body.js';
import {
  healthcheckCreateSchema,
  healthcheckPatchSchema,
  productQuery,
  tagParams,
} from '../request-schemas.js';
import { healthcheckSchemaOut, listOf } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'healthchecks';

/** Declarative healthchecks (`health.create`): probes on a schedule. */
export function healthcheckRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  const health = backstop.health;

  route(app, doc, {
    method: 'POST',
    url: '/v1/healthchecks',
    group,
    summary: 'Create a healthcheck (an app action or a URL, probed every `interval` ms)',
    description:
      'The same definition again is a no-op; a different one under the same tag is a 409 (use PATCH).',
    query: productQuery,
    body: { schema: healthcheckCreateSchema, required: true },
    responses: {
      201: { description: 'created', schema: healthcheckSchemaOut },
      409: { description: 'a different healthcheck has this tag' },
    },
    handler: async ({ query, body, reply }) => {
      const definition = withField(objectBody(body, true), 'product', query.product);
      const created = await health.create(definition as unknown as HealthcheckInput);
      reply.header('location', `/v1/healthchecks/${created.tag}?product=${created.product}`);
      return reply.code(201).send(created);
    },
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/healthchecks',
    group,
    summary: 'List the healthchecks of a product',
    query: productQuery,
    responses: {
      200: { description: 'the healthchecks', schema: listOf('healthchecks', healthcheckSchemaOut) },
    },
    handler: async ({ query }) => ({ healthchecks: await health.fetchAll(query.product) }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/healthchecks/:tag',
    group,
    summary: 'Fetch a healthcheck',
    params: tagParams,
    query: productQuery,
    responses: { 200: { description: 'the healthcheck', schema: healthcheckSchemaOut } },
    handler: async ({ params, query }) =>
      query.product ? health.fetch(query.product, params.tag) : health.fetch(params.tag),
  });

  route(app, doc, {
    method: 'PATCH',
    url: '/v1/healthchecks/:tag',
    group,
    summary: 'Update a healthcheck (its schedule follows)',
    params: tagParams,
    query: productQuery,
    body: { schema: healthcheckPatchSchema, required: true },
    responses: { 200: { description: 'the updated healthcheck', schema: healthcheckSchemaOut } },
    handler: async ({ params, query, body }) => {
      const patch = withField(objectBody(body, true), 'tag', params.tag);
      const product = productOf(query.product, patch);
      const { product: _product, ...fields } = patch; // where it lives, not a field to change
      return product ? health.update(product, params.tag, fields) : health.update(params.tag, fields);
    },
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/healthchecks/:tag',
    group,
    summary: 'Delete a healthcheck, its schedule and its provider state',
    params: tagParams,
    query: productQuery,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ params, query, reply }) => {
      await (query.product ? health.delete(query.product, params.tag) : health.delete(params.tag));
      return reply.code(204).send();
    },
  });
}
