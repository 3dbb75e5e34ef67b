import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from '../store/keys.js';

/** KEYS: drills, drills version. ARGV: id, drill. Returns the drills version after it. */
const PUT = `
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return redis.call("INCR", KEYS[2])
`;

/** KEYS: drills, drills version. ARGV: ids. Returns { drills removed, the drills version after it }. */
const REMOVE = `
local removed = redis.call("HDEL", KEYS[1], unpack(ARGV))
return { removed, redis.call("INCR", KEYS[2]) }
`;

// Applied once: sent again after a lost reply, a cancel's HDEL answered 0 (the drill it had just
// ended was reported as none in force) and each change counted the version up twice.
const putDrill = luaCommand<number>('backstopPutDrill', PUT, { once: true });
const removeDrills = luaCommand<[number, number]>('backstopRemoveDrills', REMOVE, { once: true });

/**
 * Changes of the drills hash, each counting the drills version up in the same step, so that a
 * process comparing versions sees every change.
 */
export const drillWrites = {
  /** Stores a drill; returns the drills version it made. */
  put: (redis: RedisClient, keys: Keys, id: string, drill: string): Promise<number> =>
    putDrill(redis, [keys.drills(), keys.drillsVersion()], [id, drill]),
  /** Removes drills; returns how many there were and the drills version it made. */
  remove: async (redis: RedisClient, keys: Keys, ids: readonly string[]) => {
    const [removed, version] = await removeDrills(redis, [keys.drills(), keys.drillsVersion()], ids);
    return { removed, version };
  },
};
