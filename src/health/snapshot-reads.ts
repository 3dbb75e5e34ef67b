import { inChunks } from '../core/chunks.js';
import type { ProviderState } from '../core/health/provider-state.js';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import { scoredMembers } from '../redis/scored-members.js';
import { groupBySlot } from '../redis/slot-groups.js';
import type { Keys } from '../store/keys.js';
import { parseIndexMember } from './health-event.js';

/**
 * One provider state as stored: its index member, version and state. `state` is undefined when
 * it is gone from Redis (expired); `version` is then the last write the change log knows of.
 */
export interface StoredState {
  member: string;
  version: number;
  state: ProviderState | undefined;
}

export type Unanswered = 'sequence went back' | 'change log missing' | 'change log begins later';

/** The change log's marker: the sequence number after which every write is in the log. */
const SINCE = '|since';

/*
 * These reads were a MULTI and a pipeline; they are script calls (EVALSHA) now: ioredis copies
 * every script defined on the connection (BullMQ's dozens) into each MULTI or pipeline it makes.
 * Each script reads what the MULTI read, as atomically; the keys are the health area's, one slot.
 */

/** These scripts only read: a store connection lets them through a reconnect, as other reads. */
const READ_ONLY = { readOnly: true };

/** KEYS: sequence, index. → {sequence or nil, index members}. */
const SEQ_AND_INDEX = `return { redis.call('GET', KEYS[1]), redis.call('SMEMBERS', KEYS[2]) }`;
const seqAndIndex = luaCommand<[string | null, string[]]>(
  'backstopHealthSeqAndIndex',
  SEQ_AND_INDEX,
  READ_ONLY,
);

/** KEYS: sequence, change log. ARGV: after, the marker. → {sequence, marker's score, changes WITHSCORES}. */
const CHANGES_SINCE = `
return { redis.call('GET', KEYS[1]), redis.call('ZSCORE', KEYS[2], ARGV[2]),
  redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES') }`;
const changesSince = luaCommand<[string | null, string | null, string[]]>(
  'backstopHealthChangesSince',
  CHANGES_SINCE,
  READ_ONLY,
);

/** KEYS: provider states. → each state's `v` and `s` in turn (nil for a state gone). */
const READ_STATES = `
local out = {}
for i = 1, #KEYS do
  local vs = redis.call('HMGET', KEYS[i], 'v', 's')
  out[2 * i - 1] = vs[1]
  out[2 * i] = vs[2]
end
return out`;
const readStateHashes = luaCommand<(string | null)[]>('backstopHealthReadStates', READ_STATES, READ_ONLY);
/** States read per script call: bounds how long one call holds Redis, and the arguments of one call. */
const STATES_PER_CALL = 500;

/** Every state there is, and the sequence number they are at least as new as (a full load). */
export async function readAllStates(
  redis: RedisClient,
  keys: Keys,
): Promise<{ seq: number; states: StoredState[] }> {
  const [seq, members] = await seqAndIndex(redis, [keys.healthSeq(), keys.healthIndex()]);
  const states = await readStates(
    redis,
    keys,
    members.map((member) => ({ member, version: 0 })),
  );
  return { seq: Number(seq ?? 0), states: states.filter((s) => s.state !== undefined) };
}

/**
 * The states written after sequence number `after`, read from the change log: only those, so a
 * process that missed a few messages reads a few states. When the log cannot answer, why: it is
 * missing (lost, flushed, or not written yet by this release), it begins after `after`, or the
 * sequence went back below `after` (Redis lost writes: the versions this process has are from a
 * history that is gone). A state in the log but gone from Redis comes back with no state.
 */
export async function readChangesSince(
  redis: RedisClient,
  keys: Keys,
  after: number,
): Promise<{ seq: number; states: StoredState[] } | { unanswered: Unanswered }> {
  const [rawSeq, since, changed] = await changesSince(
    redis,
    [keys.healthSeq(), keys.healthChanges()],
    [after, SINCE],
  );
  const seq = Number(rawSeq ?? 0);
  if (seq < after) return { unanswered: 'sequence went back' };
  if (seq === after) return { seq, states: [] };
  if (since === null) return { unanswered: 'change log missing' };
  if (Number(since) > after) return { unanswered: 'change log begins later' };
  const members = scoredMembers(changed)
    .filter(({ member }) => member !== SINCE)
    .map(({ member, score }) => ({ member, version: score }));
  return { seq, states: await readStates(redis, keys, members) };
}

async function readStates(
  redis: RedisClient,
  keys: Keys,
  members: { member: string; version: number }[],
): Promise<StoredState[]> {
  const listed = members.flatMap(({ member, version }) => {
    const parts = parseIndexMember(member);
    return parts ? [{ member, version, ...parts }] : [];
  });
  if (listed.length === 0) return [];
  const stateKeys = listed.map(({ product, env, key }) => keys.providerState(product, env, key));
  const values = new Map<string, [string | null, string | null]>();
  const batches = groupBySlot(redis, stateKeys, (key) => key).flatMap((group) =>
    inChunks(group, STATES_PER_CALL),
  );
  await Promise.all(
    batches.map(async (batch) => {
      const flat = await readStateHashes(redis, batch);
      for (const [i, key] of batch.entries()) values.set(key, [flat[2 * i] ?? null, flat[2 * i + 1] ?? null]);
    }),
  );
  return listed.map(({ member, version }, i) => {
    const [v, s] = values.get(stateKeys[i]!) ?? [null, null];
    return v && s
      ? { member, version: Number(v), state: JSON.parse(s) as ProviderState }
      : { member, version, state: undefined };
  });
}
