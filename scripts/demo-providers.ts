import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny payment provider on loopback for the demo: answers with `body`, or 503 while down. */
export interface DemoProvider {
  name: string;
  url: string;
  calls: number;
  down: boolean;
  close(): Promise<void>;
}

export async function startDemoProvider(
  name: string,
  body: (request: unknown) => unknown,
): Promise<DemoProvider> {
  let server: Server | undefined;
  const provider: DemoProvider = {
    name,
    url: '',
    calls: 0,
    down: false,
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
  server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    provider.calls++;
    res.setHeader('content-type', 'application/json');
    if (provider.down) {
      res.writeHead(503).end(JSON.stringify({ error: `${name} is unavailable` }));
      return;
    }
    res.end(JSON.stringify(body(text ? JSON.parse(text) : {})));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}
