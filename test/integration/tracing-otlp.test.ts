import { resolve } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { Backstop } from '../../src/index.js';
import { httpChains } from '../helpers/http-chains.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { KEYS } from '../http/api-kit.js';

const REGISTER = resolve(import.meta.dirname, '../fixtures/otel-register.mjs');

/**
 * The API in this process and a worker in a child process both export over OTLP/HTTP to a real
 * receiver on loopback: one trace runs from the HTTP dispatch through the job to the provider call.
 */
describe('tracing over OTLP/HTTP across processes', () => {
  const prefix = uniquePrefix();
  let receiver: OtlpReceiver;
  let provider: NodeTracerProvider;
  let backstop: Backstop;
  let worker: WorkerProcess;
  const chains = httpChains(() => backstop);

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    provider = new NodeTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
    });
    provider.register();
    backstop = testBackstop({ prefix });
    worker = await startWorkerProcess(prefix, {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${REGISTER}`.trim(),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await backstop?.close();
    await chains.closeAll();
    await provider?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    await receiver?.close();
  });

  it('joins the request, the job, the run and the attempt, with the traceparent the provider saw', async () => {
    const up = await chains.provider('traced');
    const tag = await chains.chain([chains.option(up)]);
    const app = await buildApp({ backstop, keys: KEYS });
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const reply = await app.inject({
        method: 'POST',
        url: `/v1/fallbacks/${tag}/dispatch`,
        headers: {
          authorization: `Bearer ${KEYS[0]!.key}`,
          traceparent: `00-${traceId}-b7ad6b7169203331-01`,
        },
        payload: { input: {} },
      });
      expect(reply.statusCode).toBe(202);
      const id = (JSON.parse(reply.body) as { id: string }).id;
      expect((await backstop.jobs.wait(id, { timeout: 15_000 })).state).toBe('completed');

      const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
      const attempt = await receiver.until((spans) =>
        inTrace(spans).find((s) => s.name.startsWith('backstop.attempt')),
      );
      // Spans arrive as each ends, from two processes: wait until the chain up to the request is in.
      const { path, byId } = await receiver.until((all) => {
        const byId = new Map(inTrace(all).map((s) => [s.spanId, s]));
        const path: string[] = [];
        for (let hop: ReceivedSpan | undefined = attempt; hop; hop = byId.get(hop.parentSpanId ?? ''))
          path.push(hop.name);
        return path.at(-1)?.startsWith('POST ') ? { path, byId } : undefined;
      });
      // attempt ← run ← the worker's process span ← the producer's add span ← the API's server span
      expect(path).toEqual([
        `backstop.attempt ${up.name}`,
        `backstop.run ${tag}`,
        'process my-product',
        `add my-product.${tag}`,
        'POST /v1/fallbacks/:tag/dispatch',
      ]);
      // The server span continues the caller's: its parent is the span named in the request's traceparent.
      const server = [...byId.values()].find((span) => span.name.startsWith('POST '));
      expect(server?.parentSpanId).toBe('b7ad6b7169203331');
      expect(byId.get(attempt.parentSpanId ?? '')?.attributes['backstop.outcome']).toBe('success');
      expect(up.calls[0]!.headers.traceparent).toBe(`00-${traceId}-${attempt.spanId}-01`);
    } finally {
      await app.close();
    }
  });
});
