import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { openApiDocument } from '../openapi.js';
import { type RouteDeps, route } from '../route.js';

export const API_VERSION = '1.0.0';

/** Prometheus metrics and the OpenAPI document (both need an API key). */
export function operationRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  let document: Record<string, unknown> | undefined;
  route(app, doc, {
    method: 'GET',
    url: '/metrics',
    group: 'operations',
    summary:
      'Prometheus metrics of this process: runs, attempts, failovers, skips, durations, provider state, queue depths, job lateness (docs/observability.md)',
    responses: {
      200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain' },
    },
    handler: async ({ reply }) =>
      reply.header('content-type', backstop.metrics.contentType).send(await backstop.metrics.text()),
  });

  route(app, doc, {
    method: 'GET',
    url: '/openapi.json',
    group: 'operations',
    summary: 'This document (OpenAPI 3.1)',
    responses: {
      200: { description: 'OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string() }) },
    },
    // Built on first request, once every route (the dashboard's too) is registered; then kept.
    handler: async () => {
      document ??= openApiDocument(doc, API_VERSION);
      return document;
    },
  });
}
