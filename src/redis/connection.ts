import { Redis, type RedisOptions } from 'ioredis';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ErrorLog } from './error-log.js';

/** `redis://`, `rediss://` or `unix:///path/to/redis.sock`. */
export function redisOptionsFromUrl(url: string): RedisOptions & { url?: string } {
  if (url.startsWith('unix://')) return { path: url.slice('unix://'.length) };
  if (url.startsWith('/')) return { path: url };
  return { url };
}

/**
 * A client for definitions and state: fails fast instead of queueing commands while Redis is down
 * (a run must not hang on a dead store), and reconnects in the background.
 */
export async function connectStoreClient(url: string, logger?: Logger): Promise<Redis> {
  const { url: href, ...options } = redisOptionsFromUrl(url);
  const settings: RedisOptions = {
    ...options,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  };
  const client = href ? new Redis(href, settings) : new Redis(settings);
  // ioredis emits 'error' on every failed (re)connect; without a listener it prints "Unhandled
  // error event" (and Node would crash on an EventEmitter 'error'). Connect failures reach the
  // caller below; later ones are retried by ioredis, logged once per kind per 10 s.
  const log = logger ? new ErrorLog(logger) : undefined;
  client.on('error', (error: unknown) => log?.error(error, 'Redis connection error'));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new BackstopError(
      ErrorCodes.REDIS_UNAVAILABLE,
      `cannot connect to Redis at ${redact(url)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return client;
}

/** Hides a password in a URL before it reaches a message or a log. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}

/**
 * A connection for BullMQ workers and queue events: blocking commands, so `maxRetriesPerRequest:
 * null` as BullMQ requires, and commands queue while reconnecting instead of failing the worker.
 */
export function blockingClient(source: string | Redis): Redis {
  const settings: RedisOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false };
  if (typeof source !== 'string') return source.duplicate(settings);
  const { url: href, ...options } = redisOptionsFromUrl(source);
  const client = href ? new Redis(href, { ...options, ...settings }) : new Redis({ ...options, ...settings });
  client.on('error', () => {}); // reconnects on its own; BullMQ reports what matters
  return client;
}
