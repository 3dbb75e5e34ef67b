import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON export carries it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface Export {
  resourceSpans?: {
    scopeSpans?: { spans?: (Omit<ReceivedSpan, 'attributes'> & { attributes?: Attr[] })[] }[];
  }[];
}
interface Attr {
  key: string;
  value: Record<string, unknown>;
}

/**
 * A real OTLP/HTTP trace receiver on loopback (`POST /v1/traces`, JSON), the collector's side of
 * the protocol: it keeps every span it is sent, and lets a test wait until the spans it expects came.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          receiver?.receive(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Export);
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else response.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new OtlpReceiver(server, `http://127.0.0.1:${port}/v1/traces`);
    return receiver;
  }

  /** Resolves once `found` holds for the spans received so far. */
  async until<T>(found: (spans: ReceivedSpan[]) => T | undefined, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = found(this.spans);
      if (result !== undefined) return result;
      if (Date.now() > deadline)
        throw new Error(`spans not received: ${this.spans.map((s) => s.name).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, deadline - Date.now()).unref();
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private receive(body: Export): void {
    for (const resource of body.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? [])
        for (const span of scope.spans ?? []) {
          const attributes = Object.fromEntries(
            (span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]),
          );
          this.spans.push({ ...span, attributes });
        }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
