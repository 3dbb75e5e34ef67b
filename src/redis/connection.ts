import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ErrorLog } from './error-log.js';
import { letReadsThroughReconnects } from './reads-across-reconnect.js';
import { isCluster, type RedisClient } from './redis-client.js';
import { parseRedisUrl, type RedisTarget, redactRedisUrl } from './redis-url.js';

/**
 * A client for the given address and per-connection settings, for each topology: one node, a
 * Cluster (the settings apply to each node's connection), or a Sentinel group (ioredis asks the
 * sentinels for the master and follows failovers).
 */
export function clientFor(target: RedisTarget, settings: RedisOptions): RedisClient {
  switch (target.kind) {
    case 'single':
      return new Redis(target.url, settings);
    case 'socket':
      return new Redis({ ...settings, path: target.path });
    case 'cluster': {
      const nodeOptions: RedisOptions = { ...settings, ...authOf(target) };
      const options: ClusterOptions = {
        redisOptions: nodeOptions,
        enableOfflineQueue: settings.enableOfflineQueue ?? true,
        lazyConnect: settings.lazyConnect ?? false,
        // A slot that moved is followed; a failover is waited out instead of failing the call at once.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
      };
      if (target.tls) options.dnsLookup = (address, callback) => callback(null, address);
      return new Cluster(target.nodes, options);
    }
    case 'sentinel': {
      const options: RedisOptions = {
        ...settings,
        ...authOf(target),
        sentinels: target.sentinels,
        name: target.name,
        // Told of a failover by the sentinels (+switch-master), not only when the old master drops us.
        failoverDetector: true,
        // A demoted master answers writes with READONLY: reconnect (to the new one) and resend.
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      };
      if (target.db !== undefined) options.db = target.db;
      if (target.sentinelPassword) options.sentinelPassword = target.sentinelPassword;
      if (target.tls) {
        options.enableTLSForSentinelMode = true;
        options.sentinelTLS = {};
      }
      return new Redis(options);
    }
  }
}

function authOf(target: { username?: string; password?: string; tls: boolean }): RedisOptions {
  const options: RedisOptions = {};
  if (target.username) options.username = target.username;
  if (target.password) options.password = target.password;
  if (target.tls) options.tls = {};
  return options;
}

/**
 * A client for definitions and state: fails fast instead of queueing commands while Redis is down
 * (a run must not hang on a dead store), and reconnects in the background. Reads wait a moment
 * for a reconnect instead (src/redis/reads-across-reconnect.ts): after a Sentinel failover the
 * connection reconnects once per sentinel, and reads refused then would outlast the outage.
 * A Cluster client is left as it is: it sends through its own `sendCommand`, which follows
 * failovers with `retryDelayOnFailover`. `variable` names where the address came from, for errors.
 */
export async function connectStoreClient(
  url: string,
  logger?: Logger,
  variable = 'REDIS_URL',
): Promise<RedisClient> {
  const target = parseRedisUrl(url, variable);
  const client = clientFor(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  });
  if (!isCluster(client)) letReadsThroughReconnects(client);
  // ioredis emits 'error' on every failed (re)connect; without a listener it prints "Unhandled
  // error event" (and Node would crash on an EventEmitter 'error'). Connect failures reach the
  // caller below; later ones are retried by ioredis, logged once per kind per 10 s.
  const log = logger ? new ErrorLog(logger) : undefined;
  client.on('error', (error: unknown) => log?.error(error, 'Redis connection error'));
  try {
    await client.connect();
    // A Cluster connects before it has read the slot map: a first command proves it is usable.
    if (target.kind === 'cluster') await client.ping();
  } catch (error) {
    client.disconnect();
    throw new BackstopError(
      ErrorCodes.REDIS_UNAVAILABLE,
      `cannot connect to Redis at ${redactRedisUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return client;
}

const BLOCKING: RedisOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false };

/**
 * A connection for BullMQ workers, queue events and subscribers: blocking commands, so
 * `maxRetriesPerRequest: null` as BullMQ requires, and commands queue while reconnecting instead of
 * failing the worker. Made for the source's topology: a Cluster's copy keeps its startup nodes and
 * node settings (its `duplicate` takes nodes first, then options).
 */
export function blockingClient(source: string | RedisClient): RedisClient {
  let client: RedisClient;
  if (typeof source === 'string') client = clientFor(parseRedisUrl(source), BLOCKING);
  else if (source instanceof Cluster) {
    client = source.duplicate([], {
      enableOfflineQueue: true,
      lazyConnect: false,
      redisOptions: { ...source.options.redisOptions, maxRetriesPerRequest: null, enableOfflineQueue: true },
    });
  } else client = source.duplicate(BLOCKING);
  client.on('error', () => {}); // reconnects on its own; BullMQ reports what matters
  return client;
}
