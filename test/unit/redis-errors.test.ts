import { describe, expect, it } from 'vitest';
import { BackstopError, ErrorCodes } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { ErrorLog } from '../../src/redis/error-log.js';
import { asRedisError, redisErrorCode, withRedisErrors } from '../../src/redis/redis-errors.js';

const named = (name: string, message: string, code?: string) =>
  Object.assign(new Error(message), { name, ...(code ? { code } : {}) });

describe('Redis errors as Backstop codes', () => {
  it("tells ioredis's ways of saying Redis is unreachable or full", () => {
    const unavailable = [
      named('Error', "Stream isn't writeable and enableOfflineQueue options is false"),
      named('Error', 'Connection is closed.'),
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).'),
      named('Error', 'connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
      named('ReplyError', 'LOADING Redis is loading the dataset in memory'),
      named('ReplyError', "READONLY You can't write against a read only replica."),
    ];
    for (const error of unavailable) expect(redisErrorCode(error)).toBe(ErrorCodes.REDIS_UNAVAILABLE);
    expect(
      redisErrorCode(named('ReplyError', "OOM command not allowed when used memory > 'maxmemory'.")),
    ).toBe(ErrorCodes.REDIS_FULL);
    expect(redisErrorCode(new Error('fallback x not found'))).toBeUndefined();
    expect(redisErrorCode(new BackstopError(ErrorCodes.NOT_FOUND, 'x'))).toBeUndefined();
  });

  it('wraps with the original as cause, and leaves every other error untouched', () => {
    const oom = named('ReplyError', 'OOM command not allowed when used memory');
    const wrapped = asRedisError(oom) as BackstopError;
    expect(wrapped).toBeInstanceOf(BackstopError);
    expect(wrapped.code).toBe(ErrorCodes.REDIS_FULL);
    expect(wrapped.cause).toBe(oom);
    const other = new TypeError('bug');
    expect(asRedisError(other)).toBe(other);
  });

  it("an API object's methods reject with the codes, sync throws too, and values pass through", async () => {
    class Api {
      constructor(private readonly n: number) {}
      async down() {
        throw named('Error', 'Connection is closed.');
      }
      sync() {
        throw named('ReplyError', 'OOM command not allowed');
      }
      async value() {
        return this.n;
      }
    }
    const api = withRedisErrors(new Api(7));
    await expect(api.down()).rejects.toMatchObject({ code: ErrorCodes.REDIS_UNAVAILABLE });
    expect(() => api.sync()).toThrow(expect.objectContaining({ code: ErrorCodes.REDIS_FULL }));
    expect(await api.value()).toBe(7);
  });
});

describe('ErrorLog: one line per kind of error per interval, with a count', () => {
  it('logs the first of a kind at once and reports the repeats in one line', () => {
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (fields, msg = '') => void lines.push({ fields: fields as Record<string, unknown>, msg }),
      child: () => logger,
    };
    const log = new ErrorLog(logger, 60_000);
    for (let i = 0; i < 1_000; i++) log.error(named('ReplyError', 'OOM command not allowed'), 'worker error');
    for (let i = 0; i < 10; i++) log.error(new Error(`could not renew lock for job ${i}`), 'worker error');
    expect(lines.map((l) => l.msg)).toEqual(['worker error', 'worker error']);
    expect(lines[0]?.fields.code).toBe(ErrorCodes.REDIS_FULL);
    log.flush();
    expect(lines.slice(2).map((l) => l.fields.repeated)).toEqual([999, 9]);
    expect(lines[2]?.msg).toMatch(/^worker error \(999 more in the last \d+ s\)$/);
  });
});
