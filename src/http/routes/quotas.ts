import type { FastifyInstance } from 'fastify';
import type { DeclarativeQuota } from '../../core/definition/declarative-quota.js';
import type { RunParams } from '../../core/run-target.js';
import type { DispatchParams } from '../../queue/producer.js';
import { objectBody, productOf, withField } from '../body.js';
import {
  dispatchBodySchema,
  listFallbacksQuery,
  productQuery,
  quotaCreateSchema,
  quotaPatchSchema,
  quotaStatusQuery,
  runBodySchema,
  tagParams,
} from '../request-schemas.js';
import {
  jobHandleSchema,
  listOf,
  quotaSchema,
  quotaStatusSchema,
  runErrorSchema,
  runResponseSchema,
} from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'quotas';

/** Quotas (weighted distribution): the fallback routes' shapes under /v1/quotas, and their status. */
export function quotaRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  const quota = backstop.quota;
  const request = (tag: string, product: string | undefined, body: unknown) =>
    withField(withField(objectBody(body, false), 'tag', tag), 'product', product);

  route(app, doc, {
    method: 'POST',
    url: '/v1/quotas',
    group,
    summary: 'Create a declarative quota (options with `quota: 70` or `weight: 70`)',
    description:
      'Creating the same definition again is a no-op; a different one under the same tag is a 409 (use PATCH). An option without a weight counts as 1; 0 drains it.',
    query: productQuery,
    body: { schema: quotaCreateSchema, required: true },
    responses: {
      201: { description: 'created (or already there, identical)', schema: quotaSchema },
      409: { description: 'a different definition has this tag' },
    },
    handler: async ({ query, body, reply }) => {
      const definition = withField(objectBody(body, true), 'product', query.product);
      const created = await quota.create(definition as unknown as DeclarativeQuota);
      reply.header('location', `/v1/quotas/${created.tag}?product=${created.product}`);
      return reply.code(201).send(created);
    },
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/quotas',
    group,
    summary: 'List quotas (stored and code-first), of one product or all',
    query: listFallbacksQuery,
    responses: { 200: { description: 'the quotas', schema: listOf('quotas', quotaSchema) } },
    handler: async ({ query }) => ({ quotas: await quota.fetchAll(query.product) }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/quotas/:tag',
    group,
    summary: 'Fetch a quota with its providers’ weights and tracked state',
    params: tagParams,
    query: productQuery,
    responses: { 200: { description: 'the quota', schema: quotaSchema } },
    handler: async ({ params, query }) =>
      query.product ? quota.fetch(query.product, params.tag) : quota.fetch(params.tag),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/quotas/:tag/status',
    group,
    summary: 'Each provider’s weight against the share of runs it served (counted in every process)',
    params: tagParams,
    query: quotaStatusQuery,
    responses: { 200: { description: 'the status', schema: quotaStatusSchema } },
    handler: async ({ params, query }) => quota.status({ tag: params.tag, ...query }),
  });

  route(app, doc, {
    method: 'PATCH',
    url: '/v1/quotas/:tag',
    group,
    summary: 'Update a quota (new weights take effect at once)',
    params: tagParams,
    query: productQuery,
    body: { schema: quotaPatchSchema, required: true },
    responses: { 200: { description: 'the updated quota', schema: quotaSchema } },
    handler: async ({ params, query, body }) => {
      const patch = withField(objectBody(body, true), 'tag', params.tag);
      const product = productOf(query.product, patch);
      const { product: _product, ...fields } = patch;
      return product ? quota.update(product, params.tag, fields) : quota.update(params.tag, fields);
    },
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/quotas/:tag',
    group,
    summary: 'Delete a quota',
    params: tagParams,
    query: productQuery,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ params, query, reply }) => {
      await (query.product ? quota.delete(query.product, params.tag) : quota.delete(params.tag));
      return reply.code(204).send();
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/quotas/:tag/run',
    group,
    summary: 'Run a quota now: a provider picked by weight, the others (by weight) if it fails',
    params: tagParams,
    query: productQuery,
    body: { schema: runBodySchema, required: false },
    responses: {
      200: { description: '{ result: { provider, ...output }, attempts, runId }', schema: runResponseSchema },
      502: { description: 'no provider served', schema: runErrorSchema },
    },
    handler: async ({ params, query, body }) => {
      const report = await quota.runDetailed(
        request(params.tag, query.product, body) as unknown as RunParams,
      );
      const { runId, provider, result, attempts, durationMs, cache } = report;
      return { runId, provider, result, attempts, durationMs, ...(cache ? { cache } : {}) };
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/quotas/:tag/dispatch',
    group,
    summary: 'Queue a quota run for a worker: now, after a delay, at a time, or on a recurring schedule',
    params: tagParams,
    query: productQuery,
    body: { schema: dispatchBodySchema, required: false },
    responses: { 202: { description: 'queued (or scheduled)', schema: jobHandleSchema } },
    handler: async ({ params, query, body, reply }) => {
      const handle = await quota.dispatch(
        request(params.tag, query.product, body) as unknown as DispatchParams,
      );
      const location =
        handle.state === 'scheduled' ? '/v1/schedules' : `/v1/jobs/${encodeURIComponent(handle.id)}`;
      return reply.code(202).header('location', location).send(handle);
    },
  });
}
