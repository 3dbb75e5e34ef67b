import { BackstopError, ErrorCodes } from '../core/errors.js';

type RedisCode = typeof ErrorCodes.REDIS_UNAVAILABLE | typeof ErrorCodes.REDIS_FULL;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * ioredis reports an unreachable Redis in several ways: a refused or reset socket, its offline
 * queue refusing a command ("Stream isn't writeable and enableOfflineQueue options is false"), a
 * command aborted by a closing connection, retries used up; and a Redis that is up but cannot take
 * commands answers LOADING (reading its AOF after a restart), READONLY, MASTERDOWN or MISCONF.
 */
const UNAVAILABLE_MESSAGE =
  /Connection is closed|enableOfflineQueue|Stream isn't writeable|connect ECONNREFUSED|^(ERR Error running script.*)?(LOADING|READONLY|MASTERDOWN|MISCONF) /;
/**
 * Redis at `maxmemory` with `noeviction` refuses writes: a command that writes, and a write inside a
 * script (Redis 7 runs a script without flags and refuses only its writes; earlier versions refused
 * any script that may write).
 */
const FULL_MESSAGE = /OOM command not allowed/;

/** The Backstop code of an error that says Redis is unreachable or full; undefined for any other error. */
export function redisErrorCode(error: unknown): RedisCode | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof BackstopError) {
    return error.code === ErrorCodes.REDIS_UNAVAILABLE || error.code === ErrorCodes.REDIS_FULL
      ? error.code
      : undefined;
  }
  if (FULL_MESSAGE.test(error.message)) return ErrorCodes.REDIS_FULL;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ConnectionClosedError')
    return ErrorCodes.REDIS_UNAVAILABLE;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return ErrorCodes.REDIS_UNAVAILABLE;
  if (UNAVAILABLE_MESSAGE.test(error.message)) return ErrorCodes.REDIS_UNAVAILABLE;
  return undefined;
}

/**
 * The code a background failure is logged with: Redis's own code when Redis was the cause (a loop
 * that cannot write because Redis is away says so), otherwise the loop's own `fallback` code.
 */
export function codeOf<C extends string>(error: unknown, fallback: C): RedisCode | C {
  return redisErrorCode(error) ?? fallback;
}

/** Redis's own errors become BACKSTOP_REDIS_UNAVAILABLE / BACKSTOP_REDIS_FULL (the original as `cause`); others pass untouched. */
export function asRedisError(error: unknown): unknown {
  if (error instanceof BackstopError) return error;
  const code = redisErrorCode(error);
  if (!code) return error;
  const what =
    code === ErrorCodes.REDIS_FULL ? 'Redis is full (maxmemory) and refuses writes' : 'Redis is unavailable';
  return new BackstopError(code, `${what}: ${(error as Error).message}`, { cause: error });
}

/**
 * Makes every method of an API object reject with our Redis codes instead of ioredis's errors.
 * Done at the library's boundary, once per namespace: inside, BullMQ reads ioredis's own errors to
 * decide what to retry, so they must reach it unchanged.
 */
export function withRedisErrors<T extends object>(api: T): T {
  let proto = Object.getPrototypeOf(api) as object | null;
  const seen = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || seen.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (!descriptor || typeof descriptor.value !== 'function') continue;
      seen.add(name);
      const method = descriptor.value as (...args: unknown[]) => unknown;
      Object.defineProperty(api, name, {
        configurable: true,
        writable: true,
        value: function (this: unknown, ...args: unknown[]) {
          let result: unknown;
          try {
            result = method.apply(api, args);
          } catch (error) {
            throw asRedisError(error);
          }
          return result instanceof Promise
            ? result.catch((error: unknown) => Promise.reject(asRedisError(error)))
            : result;
        },
      });
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return api;
}
