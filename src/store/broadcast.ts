import type { RedisClient } from '../redis/redis-client.js';
import type { RedisStores, Stores } from './redis-stores.js';

type Handler = (message: string) => void;

/**
 * Pub/sub channels that every process listens to, on one subscriber connection of their own
 * (drills started and cancelled, healthcheck alerts): handlers are registered before Redis
 * connects; `onReconnect` hears when the connection came back, after which what was published
 * meanwhile is lost and must be read again.
 */
export class Broadcast {
  private readonly handlers = new Map<string, Handler[]>();
  private readonly reconnects: (() => void)[] = [];
  private subscriber: RedisClient | undefined;

  constructor(stores: RedisStores) {
    stores.hook(
      (s) => this.connect(s),
      async () => this.subscriber?.disconnect(),
    );
  }

  /** Listens to a channel (its name from the stores' keys) in this process. */
  on(channel: (stores: Stores) => string, handler: Handler): void {
    this.pending.push({ channel, handler });
  }

  onReconnect(listener: () => void): void {
    this.reconnects.push(listener);
  }

  private readonly pending: { channel: (stores: Stores) => string; handler: Handler }[] = [];

  private async connect(stores: Stores): Promise<void> {
    for (const { channel, handler } of this.pending) {
      const name = channel(stores);
      this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
    }
    if (this.handlers.size === 0) return;
    const subscriber = stores.blocking();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    let connected = false;
    subscriber.on('ready', () => {
      if (connected) for (const listener of this.reconnects) listener();
    });
    await subscriber.subscribe(...this.handlers.keys());
    connected = true;
  }
}
