import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tracingRegistered } from '../observability/tracing.js';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per request (`POST /v1/fallbacks/:tag/dispatch`), continuing the caller's trace
 * from its `traceparent` header and active while the route runs: a run's span, or a dispatched
 * job's (through BullMQ's telemetry, into the worker), joins it. Only when the application
 * registered a tracer provider before building the app.
 */
export function traceRequests(app: FastifyInstance): void {
  if (!tracingRegistered()) return;
  const tracer = trace.getTracer('backstop');
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unknown route';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      },
      parent,
    );
    spans.set(request, span);
    // The rest of the request's lifecycle runs inside this call, so inside the span's context.
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
