import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { Backstop } from '../../src/index.js';
import { httpChains } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { KEYS } from '../http/api-kit.js';

/** Tracing with the OpenTelemetry SDK's in-memory exporter, registered as an application would. */
describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let backstop: Backstop;
  const chains = httpChains(() => backstop);

  beforeAll(() => {
    provider.register(); // before the Backstop is made, as the set-up in the docs says
    backstop = testBackstop();
  });
  afterAll(async () => {
    await backstop.close();
    await chains.closeAll();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const named = (spans: ReadableSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const traceparentOf = (span: ReadableSpan) =>
    `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

  it("a run's span under the caller's, an attempt span per call, and the provider sees its traceparent", async () => {
    const down = (await chains.provider('down')).down(503);
    const up = await chains.provider('up');
    const tag = await chains.chain([chains.option(down, { retries: 1 }), chains.option(up)]);
    exporter.reset();
    const tracer = trace.getTracer('checkout-service');
    await tracer.startActiveSpan('checkout', async (span) => {
      await backstop.fallback.run({ tag, input: {} });
      span.end();
    });
    const spans = exporter.getFinishedSpans();
    const [caller] = named(spans, 'checkout');
    const [run] = named(spans, `backstop.run ${tag}`);
    expect(parentOf(run!)).toBe(caller!.spanContext().spanId);
    expect(run!.attributes).toMatchObject({ 'backstop.outcome': 'success', 'backstop.provider': up.name });
    expect(run!.events.map((e) => e.name)).toEqual(['backstop.failover']);
    const attempts = named(spans, 'backstop.attempt');
    expect(
      attempts.map((a) => [
        a.name,
        a.attributes['backstop.attempt'],
        a.attributes['http.request.resend_count'],
      ]),
    ).toEqual([
      [`backstop.attempt ${down.name}`, 1, undefined],
      [`backstop.attempt ${down.name}`, 2, 1],
      [`backstop.attempt ${up.name}`, 1, undefined],
    ]);
    for (const attempt of attempts) {
      expect(parentOf(attempt)).toBe(run!.spanContext().spanId);
      expect(attempt.spanContext().traceId).toBe(caller!.spanContext().traceId);
    }
    expect(attempts[0]!.attributes).toMatchObject({
      'backstop.verdict': 'retry',
      'error.type': 'BACKSTOP_PROVIDER_HTTP',
      'http.response.status_code': 503,
    });
    expect(down.calls.map((c) => c.headers.traceparent)).toEqual(attempts.slice(0, 2).map(traceparentOf));
    expect(up.calls[0]!.headers.traceparent).toBe(traceparentOf(attempts[2]!));
  });

  it('one trace from an HTTP dispatch through the job and the worker to the provider', async () => {
    const up = await chains.provider('served');
    const tag = await chains.chain([chains.option(up)]);
    const app = await buildApp({ backstop, keys: KEYS });
    const worker = await backstop.worker({ healthchecks: false });
    try {
      exporter.reset();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const clientSpan = '00f067aa0ba902b7';
      const reply = await app.inject({
        method: 'POST',
        url: `/v1/fallbacks/${tag}/dispatch`,
        headers: { authorization: `Bearer ${KEYS[0]!.key}`, traceparent: `00-${traceId}-${clientSpan}-01` },
        payload: { input: { orderId: 'o-1' } },
      });
      expect(reply.statusCode).toBe(202);
      const id = (JSON.parse(reply.body) as { id: string }).id;
      expect((await backstop.jobs.wait(id, { timeout: 10_000 })).state).toBe('completed');
      const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const [server] = named(spans, `POST /v1/fallbacks/:tag/dispatch`);
      expect(parentOf(server!)).toBe(clientSpan);
      const [processed] = named(spans, 'process');
      const [run] = named(spans, `backstop.run ${tag}`);
      const [attempt] = named(spans, 'backstop.attempt');
      expect(parentOf(run!)).toBe(processed!.spanContext().spanId);
      expect(parentOf(attempt!)).toBe(run!.spanContext().spanId);
      expect(up.calls[0]!.headers.traceparent).toBe(traceparentOf(attempt!));
      // The job's own span descends from the request's.
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      let hop: ReadableSpan | undefined = processed;
      const path: string[] = [];
      while (hop) {
        path.push(hop.name.split(' ')[0]!);
        hop = byId.get(parentOf(hop) ?? '');
      }
      expect(path.at(-1)).toBe('POST');
    } finally {
      await worker.close();
      await app.close();
    }
  });

  it('probe jobs get BullMQ spans too: every queue and worker carries the telemetry', async () => {
    await backstop.health.define({
      tag: 'traced-health',
      name: 'Traced',
      interval: 1_000,
      envs: [{ slug: 'prd' }],
      handler: async () => {},
    });
    exporter.reset();
    const probes = await backstop.worker({ fallbacks: false });
    try {
      await until(
        () => exporter.getFinishedSpans().some((s) => s.name === 'process healthchecks'),
        10_000,
        'a probe job span',
      );
    } finally {
      await probes.close();
    }
  });
});
