import type { Config } from '../config.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from '../core/definition/compile-context.js';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { blockingClient, connectStoreClient } from '../redis/connection.js';
import { type ProjectRedis, useProjectRedis } from '../redis/project-redis.js';
import type { RedisClient } from '../redis/redis-client.js';
import { AppStore } from './app-store.js';
import { FallbackStore } from './fallback-store.js';
import { FeatureStore } from './feature-store.js';
import { HealthcheckStore } from './healthcheck-store.js';
import { Keys } from './keys.js';
import { QuotaStore } from './quota-store.js';

/** Definitions in Redis and the connections to reach them. */
export interface Stores {
  redis: RedisClient;
  /** A new connection for blocking use (BullMQ workers, queue events, subscribers). The caller closes it. */
  blocking(): RedisClient;
  /** Called with the key of every definition any process changes (to drop compiled copies). */
  onDefinitionChange(listener: (key: string) => void): void;
  fallbacks: FallbackStore;
  quotas: QuotaStore;
  apps: AppStore;
  features: FeatureStore;
  healthchecks: HealthcheckStore;
  keys: Keys;
}

type Hook = { connect: (stores: Stores) => Promise<void>; close: () => Promise<void> };

/**
 * Connects to Redis on first use: the given client or URL, `REDIS_URL`, or else the project's
 * embedded `redis-server` (src/redis/project-redis.ts). Runs of code-first chains
 * with in-process targets never touch Redis, so they never pay for it.
 */
export class RedisStores {
  private stores: Promise<Stores> | undefined;
  private embedded: ProjectRedis | undefined;
  private ownsClient = false;
  private closed = false;
  private ready = false;
  private readonly hooks: Hook[] = [];
  private subscriber: RedisClient | undefined;

  constructor(
    private readonly redis: string | RedisClient | undefined,
    private readonly config: Config,
    private readonly logger: Logger,
    /** Declared secrets and the JSON depth limit, for compiling definitions read from Redis. */
    private readonly compile: CompileContext = DEFAULT_COMPILE_CONTEXT,
  ) {}

  /** `connect` runs once connected, before any caller gets the stores; `close` hooks run in reverse order. */
  hook(connect: Hook['connect'], close: Hook['close']): void {
    this.hooks.push({ connect, close });
  }

  /** True once connected: lets hot paths skip awaiting `get()`. */
  get connected(): boolean {
    return this.ready;
  }

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
    if (stores) for (const hook of [...this.hooks].reverse()) await hook.close();
    this.subscriber?.disconnect();
    if (stores && this.ownsClient) await stores.redis.quit().catch(() => stores.redis.disconnect());
    await this.embedded?.stop();
  }

  private async client(): Promise<{ client: RedisClient; source: string | RedisClient }> {
    if (this.redis && typeof this.redis !== 'string') return { client: this.redis, source: this.redis };
    let url = this.redis ?? this.config.REDIS_URL;
    const variable = this.redis ? 'redis' : 'env.REDIS_URL';
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
    const client = await connectStoreClient(url, this.logger, variable);
    this.ownsClient = true;
    return { client, source: url };
  }

  private async connect(): Promise<Stores> {
    const keys = new Keys(this.config.BACKSTOP_PREFIX);
    const { client, source } = await this.client();
    const listeners: ((key: string) => void)[] = [];
    const stores: Stores = {
      redis: client,
      blocking: () => blockingClient(source),
      onDefinitionChange: (listener) => void listeners.push(listener),
      fallbacks: new FallbackStore(client, keys, this.compile),
      quotas: new QuotaStore(client, keys, this.compile),
      apps: new AppStore(client, keys, this.compile),
      features: new FeatureStore(client, keys, this.compile),
      healthchecks: new HealthcheckStore(client, keys),
      keys,
    };
    for (const store of [stores.fallbacks, stores.quotas, stores.apps, stores.features, stores.healthchecks])
      stores.onDefinitionChange((key) => store.invalidate(key));
    this.subscriber = stores.blocking();
    this.subscriber.on('message', (_channel: string, key: string) => {
      for (const listener of listeners) listener(key);
    });
    await this.subscriber.subscribe(keys.definitionEvents());
    for (const hook of this.hooks) await hook.connect(stores);
    this.ready = true;
    return stores;
  }
}
