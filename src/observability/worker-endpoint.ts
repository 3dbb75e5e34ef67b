import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint exposes besides liveness: a Backstop's metrics. */
export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

/**
 * The HTTP endpoint of a worker process: `GET /healthz` (200 while `alive()`, else 503) so an
 * orchestrator can tell a live worker from a wedged one, and `GET /metrics` (Prometheus) so a
 * scaled-out pool is scraped process by process. Nothing else is served; bind it to a private
 * address (the default host is 127.0.0.1).
 */
export async function startWorkerEndpoint(
  host: string,
  port: number,
  alive: () => boolean,
  metrics?: MetricsSource,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === '/metrics' && metrics) {
      metrics.text().then(
        (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: unknown) =>
          response
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify({ code: 'BACKSTOP_METRICS_FAILED', message: (error as Error).message })),
      );
      return;
    }
    if (request.method !== 'GET' || path !== '/healthz') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const ok = alive();
    response
      .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
