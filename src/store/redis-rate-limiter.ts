import { randomUUID } from 'node:crypto';
import type { RateLimiter, RateLimitSpec } from '../core/rate-limit.js';
import { luaCommand } from '../redis/lua-command.js';
import type { Stores } from './redis-stores.js';

/**
 * A sliding window of the calls in the last `per` ms, one sorted set per provider, read and written
 * in one script on Redis's clock (every process counts in the same window whatever its own clock
 * says). KEYS: the window. ARGV: max, per ms, a unique member.
 * → 0 when a slot was taken; else the ms until the oldest call leaves the window.
 * A take that finds its own member holds its slot already: ioredis sends a take again when its
 * reply was lost with the connection, and that must not take a second slot, or be refused by its own.
 */
const TAKE = `
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + per - now)`;

// Sent as EVALSHA: the script's hash, not its text, on every rate-limited provider call.
const take = luaCommand<number>('backstopRateTake', TAKE);

/** Provider rate limits shared by every process of the installation (`rateLimit` on an option). */
export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly stores: () => Promise<Stores>) {}

  async take(key: string, limit: RateLimitSpec): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    const { redis, keys } = await this.stores();
    const waitMs = Number(await take(redis, [keys.rateWindow(key)], [limit.max, limit.perMs, randomUUID()]));
    return waitMs === 0 ? { ok: true } : { ok: false, waitMs };
  }
}
