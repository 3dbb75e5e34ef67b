import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny payment provider on loopback for the demos: answers with `body`, or 503 while down. Like
 * the real ones it honours idempotency keys, read where it expects them (a header, or a body field
 * as Square does): a repeated key gets the first answer again and pays nothing more. `GET
 * /verify?key=` tells what became of a key (200 with the payment, or 404), and `loseAnswers`
 * drops that share of connections after paying, as a timeout or a reset would.
 */
export interface DemoProvider {
  name: string;
  url: string;
  calls: number;
  down: boolean;
  /** The share of calls whose answer is lost after paying (0 to 1). */
  loseAnswers: number;
  close(): Promise<void>;
}

export interface DemoProviderOptions {
  key?: { header: string } | { bodyField: string };
  loseAnswers?: number;
}

export async function startDemoProvider(
  name: string,
  body: (request: unknown) => unknown,
  options: DemoProviderOptions = {},
): Promise<DemoProvider> {
  let server: Server | undefined;
  const paid = new Map<string, unknown>();
  const provider: DemoProvider = {
    name,
    url: '',
    calls: 0,
    down: false,
    loseAnswers: options.loseAnswers ?? 0,
    close: () =>
      new Promise((resolve) => {
        server?.closeAllConnections();
        return server ? server.close(() => resolve()) : resolve();
      }),
  };
  server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    res.setHeader('content-type', 'application/json');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/verify') {
      const found = paid.get(url.searchParams.get('key') ?? '');
      res
        .writeHead(found ? 200 : 404)
        .end(JSON.stringify(found ? { payment: found } : { error: 'no such key' }));
      return;
    }
    if (url.pathname === '/ping') {
      res.writeHead(provider.down ? 503 : 200).end('{}');
      return;
    }
    provider.calls++;
    if (provider.down) {
      res.writeHead(503).end(JSON.stringify({ error: `${name} is unavailable` }));
      return;
    }
    const request = text ? JSON.parse(text) : {};
    const key = keyOf(req, request, options.key ?? { header: 'idempotency-key' });
    const answer = (key && paid.get(key)) ?? body(request);
    if (key) paid.set(key, answer);
    if (provider.loseAnswers > 0 && Math.random() < provider.loseAnswers) {
      req.socket.destroy(); // paid, but the answer never arrives
      return;
    }
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}

function keyOf(
  req: IncomingMessage,
  request: Record<string, unknown>,
  place: { header: string } | { bodyField: string },
): string | undefined {
  if ('header' in place) return req.headers[place.header.toLowerCase()] as string | undefined;
  const value = request[place.bodyField];
  return typeof value === 'string' ? value : undefined;
}
