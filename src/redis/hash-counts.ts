import { type LuaArg, luaCommand } from './lua-command.js';
import type { RedisClient } from './redis-client.js';

/**
 * Adds counts to the fields of a batch of hashes (HINCRBY each), and sets each hash's expiry when
 * one is given. KEYS: hashes. ARGV: expiry ms (0: none), then for each hash its number of fields,
 * then field, amount, field, amount, ...
 */
const ADD_COUNTS = `
local expire = tonumber(ARGV[1])
local at = 2
for i = 1, #KEYS do
  local n = tonumber(ARGV[at])
  for j = at + 1, at + 2 * n, 2 do redis.call("HINCRBY", KEYS[i], ARGV[j], ARGV[j + 1]) end
  if expire > 0 then redis.call("PEXPIRE", KEYS[i], expire) end
  at = at + 2 * n + 1
end
return #KEYS
`;

// Applied once: a batch sent again after a lost reply would count twice.
const addCounts = luaCommand<number>('backstopAddHashCounts', ADD_COUNTS, { once: true });

/** Hash key → field → amount to add. */
export type HashCounts = Iterable<readonly [string, ReadonlyMap<string, number>]>;

/**
 * Counters counted in memory (provider history, quota uses) written in one script call: one
 * socket write and no pipeline. The hashes must share a hash slot on a Cluster (`groupBySlot`).
 */
export async function addHashCounts(redis: RedisClient, hashes: HashCounts, expireMs = 0): Promise<void> {
  const keys: string[] = [];
  const args: LuaArg[] = [expireMs];
  for (const [key, fields] of hashes) {
    keys.push(key);
    args.push(fields.size);
    for (const [field, n] of fields) args.push(field, n);
  }
  if (keys.length > 0) await addCounts(redis, keys, args);
}
