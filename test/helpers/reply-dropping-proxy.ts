import { once } from 'node:events';
import net from 'node:net';

export interface ReplyDroppingProxy {
  /** The proxy's address, to connect a client to instead of Redis's. */
  url: string;
  /** Whether the request was seen and its reply dropped. */
  dropped(): boolean;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of Redis, on 127.0.0.1, that loses one reply: the first time a client sends
 * a request containing `marker`, the request goes through to Redis, which runs it, and the client's
 * connection is closed before the reply can come back. The client sees its connection drop with
 * the command unanswered, as when a network path fails between a write and its reply. Every other
 * request and reply, and every later connection, passes through untouched.
 */
export async function replyDroppingProxy(redisUrl: string, marker: string): Promise<ReplyDroppingProxy> {
  const target = new URL(redisUrl);
  const sockets = new Set<net.Socket>();
  let dropped = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let losing = false;
    client.on('data', (chunk) => {
      if (!dropped && chunk.includes(marker)) {
        dropped = true;
        losing = true;
        upstream.write(chunk);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!losing) {
        client.write(chunk);
        return;
      }
      // Redis has answered, so it ran the request: the answer is never passed on.
      client.destroy();
      upstream.destroy();
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(socket);
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    dropped: () => dropped,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
