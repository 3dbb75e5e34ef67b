import type { RedisClient } from './redis-client.js';

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
   */
  options: { readOnly?: boolean } = {},
): LuaCommand<Result> {
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name))
    throw new Error(`Lua command name '${name}' is not an identifier`);
  const taken = defined.get(name);
  if (taken !== undefined && taken !== lua) throw new Error(`Lua command '${name}' is defined twice`);
  defined.set(name, lua);
  return (redis, keys, args = []) => {
    // Its own property: ioredis puts the command on the connection object, not on its prototype.
    if (!Object.hasOwn(redis, name)) redis.defineCommand(name, { lua, readOnly: options.readOnly === true });
    const call = (redis as unknown as Scripted)[name] as Scripted[string];
    return call.call(redis, keys.length, ...keys, ...args) as Promise<Result>;
  };
}
