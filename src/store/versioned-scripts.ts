import { luaCommand } from '../redis/lua-command.js';

/**
 * Lua scripts for versioned JSON records (a hash with `version`, `json`, `createdAt`, `updatedAt`),
 * so that create, compare-and-set and delete stay atomic with their index sets. Each is a named
 * command (EVALSHA): its hash goes to Redis on every write, not its text. Each is applied once per
 * call: an update sent again after a lost reply would otherwise meet its own write as a conflict
 * and be applied a second time.
 */
const ONCE = { once: true };

/** KEYS: record, index, productIndex. ARGV: json, now, productMember. → 0 when the record exists. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', 1, 'json', ARGV[1], 'createdAt', ARGV[2], 'updatedAt', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
if KEYS[3] and ARGV[4] then redis.call('SADD', KEYS[3], ARGV[4]) end
return 1`;
export const createRecord = luaCommand<number>('backstopRecordCreate', CREATE, ONCE);

/** KEYS: record. ARGV: expectedVersion, json, now. → new version, 0 when missing, -1 on conflict. */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], 'version')
if not current then return 0 end
if current ~= ARGV[1] then return -1 end
local next = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'updatedAt', ARGV[3])
return next`;
export const compareAndSetRecord = luaCommand<number>('backstopRecordCas', COMPARE_AND_SET, ONCE);

/** KEYS: record, index. ARGV: json, now, member. → new version (creates or replaces). */
const UPSERT = `
local next = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'updatedAt', ARGV[2])
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return next`;
export const upsertRecord = luaCommand<number>('backstopRecordUpsert', UPSERT, ONCE);

/** KEYS: record, index. ARGV: member. → 1 when deleted. */
const DELETE = `
local deleted = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return deleted`;
export const deleteRecord = luaCommand<number>('backstopRecordDelete', DELETE, ONCE);
