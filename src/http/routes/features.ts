import type { FastifyInstance } from 'fastify';
import type { FeatureDefinition } from '../../core/feature/feature-schema.js';
import type { RunParams } from '../../core/run-target.js';
import type { DispatchParams } from '../../queue/producer.js';
import { objectBody, productOf, withField } from '../body.js';
import {
  dispatchBodySchema,
  featureCreateSchema,
  featurePatchSchema,
  listFallbacksQuery,
  productQuery,
  runBodySchema,
  tagParams,
} from '../request-schemas.js';
import { featureRunSchema, featureSchema, jobHandleSchema, listOf } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'features';

/** Features (steps of actions, fallbacks and features): create, list, fetch, update, delete, run, dispatch. */
export function featureRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  const features = backstop.features;
  /** The body with the path's tag and the query's product, as the library call takes them. */
  const target = (body: unknown, tag: string, product: string | undefined) =>
    withField(withField(objectBody(body, false), 'tag', tag), 'product', product);

  route(app, doc, {
    method: 'POST',
    url: '/v1/features',
    group,
    summary: 'Create a feature: steps run in order, passing data with $Input{} and $Sequence{step}{field}',
    description: 'Creating the same feature again is a no-op; a different one under the same tag is a 409.',
    query: productQuery,
    body: { schema: featureCreateSchema, required: true },
    responses: { 201: { description: 'created', schema: featureSchema }, 409: { description: 'tag taken' } },
    handler: async ({ query, body, reply }) => {
      const definition = withField(objectBody(body, true), 'product', query.product);
      const created = await features.create(definition as unknown as FeatureDefinition);
      reply.header('location', `/v1/features/${created.definition.tag}?product=${created.product}`);
      return reply.code(201).send(created);
    },
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/features',
    group,
    summary: 'List features, of one product or all',
    query: listFallbacksQuery,
    responses: { 200: { description: 'the features', schema: listOf('features', featureSchema) } },
    handler: async ({ query }) => ({ features: await features.fetchAll(query.product) }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/features/:tag',
    group,
    summary: 'Fetch a feature',
    params: tagParams,
    query: productQuery,
    responses: { 200: { description: 'the feature', schema: featureSchema } },
    handler: async ({ params, query }) =>
      query.product ? features.fetch(query.product, params.tag) : features.fetch(params.tag),
  });

  route(app, doc, {
    method: 'PATCH',
    url: '/v1/features/:tag',
    group,
    summary: 'Update a feature (top-level fields replace; the version is bumped)',
    params: tagParams,
    query: productQuery,
    body: { schema: featurePatchSchema, required: true },
    responses: { 200: { description: 'the updated feature', schema: featureSchema } },
    handler: async ({ params, query, body }) => {
      const patch = objectBody(body, true);
      const product = productOf(query.product, patch);
      const { product: _product, ...fields } = patch;
      return product ? features.update(product, params.tag, fields) : features.update(params.tag, fields);
    },
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/features/:tag',
    group,
    summary: 'Delete a feature',
    params: tagParams,
    query: productQuery,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ params, query, reply }) => {
      await (query.product ? features.delete(query.product, params.tag) : features.delete(params.tag));
      return reply.code(204).send();
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/features/:tag/run',
    group,
    summary: 'Run a feature now and answer with its output and every step',
    description:
      'A failing step answers 502 BACKSTOP_FEATURE_STEP_FAILED naming the step, with every step record.',
    params: tagParams,
    query: productQuery,
    body: { schema: runBodySchema, required: false },
    responses: {
      200: { description: '{ output, steps, runId }', schema: featureRunSchema },
      502: { description: 'a step failed' },
    },
    handler: async ({ params, query, body }) =>
      features.runDetailed(target(body, params.tag, query.product) as unknown as RunParams),
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/features/:tag/dispatch',
    group,
    summary: 'Queue a feature run for a worker: now, after a delay, at a time, or recurring',
    params: tagParams,
    query: productQuery,
    body: { schema: dispatchBodySchema, required: false },
    responses: { 202: { description: 'queued (or scheduled)', schema: jobHandleSchema } },
    handler: async ({ params, query, body, reply }) => {
      const handle = await features.dispatch(
        target(body, params.tag, query.product) as unknown as DispatchParams,
      );
      const location =
        handle.state === 'scheduled' ? '/v1/schedules' : `/v1/jobs/${encodeURIComponent(handle.id)}`;
      return reply.code(202).header('location', location).send(handle);
    },
  });
}
