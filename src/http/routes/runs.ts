import type { FastifyInstance } from 'fastify';
import type { BatchDispatchParams } from '../../client/fallback-api.js';
import type { RunParams } from '../../core/run-target.js';
import type { DispatchParams } from '../../queue/producer.js';
import type { BatchParams } from '../../runs/batch-runs.js';
import { objectBody, withField } from '../body.js';
import {
  batchDispatchBodySchema,
  batchRunBodySchema,
  dispatchBodySchema,
  productQuery,
  runBodySchema,
  tagParams,
} from '../request-schemas.js';
import {
  batchOutcomeSchema,
  jobHandleSchema,
  runErrorSchema,
  runResponseSchema,
} from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'runs';

/** Runs now (and waits for the result), or dispatches a job for a worker. */
export function runRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'POST',
    url: '/v1/fallbacks/:tag/run',
    group,
    summary: 'Run a chain now and answer with its result',
    description:
      'A chain that returns no result answers 502 with its error: code BACKSTOP_FALLBACK_EXHAUSTED, _STOPPED, BACKSTOP_DEADLINE_EXCEEDED or BACKSTOP_MAPPING_FAILED, and every attempt.',
    params: tagParams,
    query: productQuery,
    body: { schema: runBodySchema, required: false },
    responses: {
      200: { description: '{ result: { provider, ...output }, attempts, runId }', schema: runResponseSchema },
      502: { description: 'the chain failed', schema: runErrorSchema },
    },
    handler: async ({ params, query, body }) => {
      const request = withField(
        withField(objectBody(body, false), 'tag', params.tag),
        'product',
        query.product,
      );
      const report = await backstop.fallback.runDetailed(request as unknown as RunParams);
      return {
        runId: report.runId,
        provider: report.provider,
        result: report.result,
        attempts: report.attempts,
        durationMs: report.durationMs,
        ...(report.cache ? { cache: report.cache } : {}),
      };
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/fallbacks/:tag/dispatch',
    group,
    summary: 'Queue a run for a worker: now, after a delay, at a time, or on a recurring schedule',
    description:
      'Everything is validated before anything is queued. With `jobId`, dispatching again returns the existing job (`existing: true`). A recurring schedule (`cron` / `every`) answers its schedule handle.',
    params: tagParams,
    query: productQuery,
    body: { schema: dispatchBodySchema, required: false },
    responses: { 202: { description: 'queued (or scheduled)', schema: jobHandleSchema } },
    handler: async ({ params, query, body, reply }) => {
      const request = withField(
        withField(objectBody(body, false), 'tag', params.tag),
        'product',
        query.product,
      );
      const handle = await backstop.fallback.dispatch(request as unknown as DispatchParams);
      const location =
        handle.state === 'scheduled' ? '/v1/schedules' : `/v1/jobs/${encodeURIComponent(handle.id)}`;
      return reply.code(202).header('location', location).send(handle);
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/fallbacks/:tag/run-batch',
    group,
    summary: 'Run many items through a chain tier by tier; only the unserved items go on',
    description:
      'Answers every item in input order: `{ index, ok, provider, output }` or `{ index, ok: false, error }`. An item no provider served is in the answer, not a 502.',
    params: tagParams,
    query: productQuery,
    body: { schema: batchRunBodySchema, required: true },
    responses: { 200: { description: 'every item, in input order', schema: batchOutcomeSchema } },
    handler: async ({ params, query, body }) => {
      const request = withField(
        withField(objectBody(body, true), 'tag', params.tag),
        'product',
        query.product,
      );
      return backstop.fallback.runBatch(request as unknown as BatchParams);
    },
  });

  route(app, doc, {
    method: 'POST',
    url: '/v1/fallbacks/:tag/dispatch-batch',
    group,
    summary: 'Queue a batch run for a worker; the job result lists every item',
    params: tagParams,
    query: productQuery,
    body: { schema: batchDispatchBodySchema, required: true },
    responses: { 202: { description: 'queued', schema: jobHandleSchema } },
    handler: async ({ params, query, body, reply }) => {
      const request = withField(
        withField(objectBody(body, true), 'tag', params.tag),
        'product',
        query.product,
      );
      const handle = await backstop.fallback.dispatchBatch(request as unknown as BatchDispatchParams);
      return reply
        .code(202)
        .header('location', `/v1/jobs/${encodeURIComponent(handle.id)}`)
        .send(handle);
    },
  });
}
