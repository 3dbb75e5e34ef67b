import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import { hashTag } from './slot-groups.js';

/** An argument of a script: Redis receives every one as a string. */
export type LuaArg = string | number;

/**
 * Calls a named Lua script on a connection: `keys` become KEYS, `args` ARGV. A script's keys must
 * share one hash slot on a Cluster (see `groupBySlot`).
 */
export type LuaCommand<Result> = (
  redis: RedisClient,
  keys: readonly string[],
  args?: readonly LuaArg[],
) => Promise<Result>;

type Scripted = Record<string, (...args: LuaArg[]) => Promise<unknown>>;

/** Name → script of every command made here: a name taken by another script would run the wrong one. */
const defined = new Map<string, string>();

/**
 * A Lua script as a command of its own, defined on each connection the first time it is called
 * there: a connection made after a reconnect (or a second one) gets it too, and one defined
 * already is not defined again. ioredis sends the script's hash (EVALSHA), not its text, and loads
 * it when Redis answers NOSCRIPT (after a restart or a `SCRIPT FLUSH`). Every call says how many
 * keys it passes, so scripts with a variable number of keys (a batch) need nothing else.
 *
 * One script call for a batch is also what a pipeline would be, without its cost: ioredis copies
 * every script defined on a connection (BullMQ defines dozens on ours) into each pipeline it makes.
 */
export function luaCommand<Result>(
  name: string,
  lua: string,
  /**
   * `readOnly`: the script only reads. ioredis marks its calls so (`Command.isReadOnly`): a Cluster
   * may send them to replicas with `scaleReads`, and the store lets them through a reconnect.
   * `once`: applied once however many times a call reaches Redis (see `appliedOnce`), for writes
   * that must not run twice.
   */
  options: { readOnly?: boolean; once?: boolean } = {},
): LuaCommand<Result> {
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name))
    throw new Error(`Lua command name '${name}' is not an identifier`);
  // A receipt is a write: a read-only script has nothing to apply once.
  if (options.once && options.readOnly)
    throw new Error(`Lua command '${name}' cannot be both read-only and applied once`);
  const script = options.once ? appliedOnce(lua) : lua;
  const taken = defined.get(name);
  if (taken !== undefined && taken !== script) throw new Error(`Lua command '${name}' is defined twice`);
  defined.set(name, script);
  return (redis, keys, args = []) => {
    // Its own property: ioredis puts the command on the connection object, not on its prototype.
    if (!Object.hasOwn(redis, name))
      redis.defineCommand(name, { lua: script, readOnly: options.readOnly === true });
    const call = (redis as unknown as Scripted)[name] as Scripted[string];
    if (!options.once) return call.call(redis, keys.length, ...keys, ...args) as Promise<Result>;
    const receipt = receiptKey(keys);
    return call.call(redis, keys.length + 1, ...keys, receipt, ...args, RECEIPT_MS) as Promise<Result>;
  };
}

/**
 * How long a call's receipt is kept. The store's connection (`maxRetriesPerRequest: 1`) sends a
 * command again on its first reconnect after a drop, within `connectTimeout` (5 s) unless Redis is
 * still loading; a connection that queues while Redis is away (`maxRetriesPerRequest: null`, where
 * job logs are written) sends it whenever it is back, so after a longer outage a batch of log
 * lines may still be written twice.
 */
const RECEIPT_MS = 15_000;

/**
 * The script, applied once per call however many times the call reaches Redis. A write whose
 * reply is lost with its connection is sent again by ioredis when it reconnects (it cannot know
 * the write ran): a counter would count twice, and a compare-and-set would meet its own write as a
 * conflict and be applied again. Each call carries a receipt key of its own (the last key) and how
 * long to keep it (the last argument), both taken off KEYS and ARGV before the script runs; the
 * first run keeps its result under the receipt, and a second one answers with that result instead
 * of running. (cjson turns a result of false or nil into one Redis answers as nil either way.)
 * The receipt is written with `pcall`: at `maxmemory` Redis refuses a script's first write, and a
 * call that wrote nothing (a conflict, a record that exists) must still give its answer; with
 * nothing written there is nothing to guard.
 */
function appliedOnce(lua: string): string {
  return `local receipt = table.remove(KEYS)
local keepMs = table.remove(ARGV)
local kept = redis.call("GET", receipt)
if kept then return cjson.decode(kept) end
local result = (function()
${lua}
end)()
redis.pcall("SET", receipt, cjson.encode(result), "PX", keepMs)
return result`;
}

/**
 * A call's receipt key, in the hash slot of the call's first key (a script's keys must share one on
 * a Cluster): under that key's hash tag, or with the whole key as the tag when it has none.
 */
function receiptKey(keys: readonly string[]): string {
  const first = keys[0];
  if (first === undefined) throw new Error('a Lua command applied once needs a key');
  return `{${hashTag(first)}}:receipt:${randomUUID()}`;
}
