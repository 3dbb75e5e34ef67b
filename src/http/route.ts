import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Backstop } from '../backstop.js';
import { parseOrThrow } from '../core/zod-issues.js';
import { noParams } from './request-schemas.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface DocResponse {
  description: string;
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

/** What the OpenAPI document says about one route. */
export interface Operation {
  method: Method;
  /** Fastify form: `/v1/fallbacks/:tag`. */
  url: string;
  /** Groups operations in the document (OpenAPI `tags`). */
  group: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; required: boolean };
  responses: Record<number, DocResponse>;
  /** No API key needed (liveness and readiness probes). */
  public?: boolean;
}

export interface RouteContext<P, Q> {
  params: P;
  query: Q;
  body: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P extends z.ZodObject, Q extends z.ZodObject> extends Operation {
  params?: P;
  query?: Q;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>>): Promise<unknown>;
}

/** The operations registered through `route`, for the OpenAPI document. */
export class ApiDoc {
  readonly operations: Operation[] = [];
}

/**
 * Registers a route and documents it in one step, so the document lists exactly the routes
 * there are. Path and query parameters are parsed with their zod schemas (unknown query
 * parameters are refused, as unknown fields are everywhere else); bodies go to the handler as
 * sent, for the library call to validate.
 */
export function route<P extends z.ZodObject = typeof noParams, Q extends z.ZodObject = typeof noParams>(
  app: FastifyInstance,
  doc: ApiDoc,
  spec: RouteSpec<P, Q>,
): void {
  const { handler, ...operation } = spec;
  doc.operations.push(operation);
  const paramsSchema = spec.params ?? noParams;
  const querySchema = spec.query ?? noParams;
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (request, reply) => {
      const params = parseOrThrow(
        paramsSchema,
        request.params ?? {},
        'invalid path parameters',
      ) as z.output<P>;
      const query = parseOrThrow(querySchema, request.query ?? {}, 'invalid query parameters') as z.output<Q>;
      return handler({ params, query, body: request.body, request, reply });
    },
  });
}

/** What route modules get. */
export interface RouteDeps {
  backstop: Backstop;
  doc: ApiDoc;
}
