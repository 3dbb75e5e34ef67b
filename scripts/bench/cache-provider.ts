import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A vendor on loopback: a node:http server on 127.0.0.1 that reads the JSON body and answers
 * `{ id, status }` after a fixed delay. It counts the calls it answered, so each side of the bench
 * can say how many provider calls its runs made.
 */
export interface DelayedProvider {
  url: string;
  delayMs: number;
  /** Requests received so far. */
  readonly calls: number;
  close(): Promise<void>;
}

export async function startDelayedProvider(delayMs: number): Promise<DelayedProvider> {
  let calls = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    calls++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const size = Buffer.concat(chunks).length;
      const timer = setTimeout(() => {
        timers.delete(timer);
        const body = JSON.stringify({ id: `pay_${calls}`, status: 'succeeded', bytesIn: size });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, delayMs);
      timers.add(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    delayMs,
    get calls() {
      return calls;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
