import { connect } from 'node:net';

/**
 * Resolves once nothing accepts connections on 127.0.0.1:`port` any more, polling every
 * `intervalMs`. For `backstop dev`: Ctrl+C in a terminal signals the whole process group, the
 * embedded redis-server included, which then shuts down at once; waiting for a worker to close
 * gracefully on a Redis that is gone would wait forever.
 */
export async function redisGone(port: number, intervalMs = 100): Promise<void> {
  while (await accepts(port)) await new Promise((done) => setTimeout(done, intervalMs).unref());
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    const finish = (up: boolean) => {
      socket.destroy();
      done(up);
    };
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(true)); // slow, not gone
    socket.once('error', () => finish(false));
  });
}
