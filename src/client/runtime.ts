import type { Redis } from 'ioredis';
import { ResultCache } from '../cache/result-cache.js';
import type { Config } from '../config.js';
import { type Clock, systemClock } from '../core/clock.js';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { blockingClient, connectStoreClient } from '../redis/connection.js';
import { type ProjectRedis, useProjectRedis } from '../redis/project-redis.js';
import { AppStore } from '../store/app-store.js';
import { FallbackStore } from '../store/fallback-store.js';
import { FeatureStore } from '../store/feature-store.js';
import { Keys } from '../store/keys.js';

export interface Stores {
  redis: Redis;
  /** A new connection for blocking use (BullMQ workers, queue events). The caller closes it. */
  blocking(): Redis;
  /** Called with the key of every definition any process changes (to drop compiled copies). */
  onDefinitionChange(listener: (key: string) => void): void;
  fallbacks: FallbackStore;
  apps: AppStore;
  features: FeatureStore;
  /** Stored results of runs that name a cache, with single flight. */
  results: ResultCache;
  keys: Keys;
}

/**
 * Connects to Redis on first use: the given client or URL, `REDIS_URL`, or else
 * the project's embedded `redis-server` (src/redis/project-redis.ts). Runs of code-first chains
 * with in-process targets never touch Redis, so they never pay for it.
 */
export class RedisRuntime {
  private stores: Promise<Stores> | undefined;
  private embedded: ProjectRedis | undefined;
  private ownsClient = false;
  private closed = false;
  private readonly onConnect: ((stores: Stores) => Promise<void>)[] = [];
  private subscriber: Redis | undefined;
  private readonly onClose: (() => Promise<void>)[] = [];

  constructor(
    private readonly redis: string | Redis | undefined,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Runs once connected, before any caller gets the stores; `close` hooks run first on close. */
  hook(onConnect: (stores: Stores) => Promise<void>, onClose: () => Promise<void>): void {
    this.onConnect.push(onConnect);
    this.onClose.unshift(onClose);
  }

  /** True once connected: lets hot paths skip awaiting `get()`. */
  get connected(): boolean {
    return this.ready;
  }

  private ready = false;

  get(): Promise<Stores> {
    if (this.closed)
      return Promise.reject(new BackstopError(ErrorCodes.REDIS_UNAVAILABLE, 'this Backstop was closed'));
    this.stores ??= this.connect().catch((error) => {
      this.stores = undefined; // let the next call try again
      throw error;
    });
    return this.stores;
  }

  /** The URL in use, once connected (the embedded server's when there is one). */
  get embeddedUrl(): string | undefined {
    return this.embedded?.url;
  }

  async close(): Promise<void> {
    this.closed = true;
    const stores = await this.stores?.catch(() => undefined);
    if (stores) for (const hook of this.onClose) await hook();
    await stores?.results.close();
    this.subscriber?.disconnect();
    if (stores && this.ownsClient) await stores.redis.quit().catch(() => stores.redis.disconnect());
    await this.embedded?.stop();
  }

  private async connect(): Promise<Stores> {
    const keys = new Keys(this.config.BACKSTOP_PREFIX);
    let client: Redis;
    let source: string | Redis;
    if (this.redis && typeof this.redis !== 'string') {
      client = this.redis;
      source = this.redis;
    } else {
      let url = this.redis ?? this.config.REDIS_URL;
      if (!url) {
        // The project's one embedded server: started here, or found where another process started it.
        this.embedded = await useProjectRedis({
          dataDir: this.config.BACKSTOP_DATA_DIR,
          hz: this.config.BACKSTOP_REDIS_HZ,
        });
        url = this.embedded.url;
        this.logger.info(
          { url, dataDir: this.embedded.dataDir, started: this.embedded.owned },
          'using the embedded redis-server (REDIS_URL is not set)',
        );
      }
      client = await connectStoreClient(url);
      source = url;
      this.ownsClient = true;
    }
    const listeners: ((key: string) => void)[] = [];
    const stores: Stores = {
      redis: client,
      blocking: () => blockingClient(source),
      onDefinitionChange: (listener) => void listeners.push(listener),
      fallbacks: new FallbackStore(client, keys),
      apps: new AppStore(client, keys),
      features: new FeatureStore(client, keys),
      results: new ResultCache(client, keys, () => blockingClient(source), this.clock, this.logger),
      keys,
    };
    stores.onDefinitionChange((key) => stores.fallbacks.invalidate(key));
    stores.onDefinitionChange((key) => stores.apps.invalidate(key));
    stores.onDefinitionChange((key) => stores.features.invalidate(key));
    this.subscriber = stores.blocking();
    this.subscriber.on('message', (_channel: string, key: string) => {
      for (const listener of listeners) listener(key);
    });
    await this.subscriber.subscribe(keys.definitionEvents());
    for (const hook of this.onConnect) await hook(stores);
    this.ready = true;
    return stores;
  }
}
