import type { ProviderState } from '../core/health/provider-state.js';
import type { RedisClient } from '../redis/redis-client.js';
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

/** Every state there is, and the sequence number they are at least as new as (a full load). */
export async function readAllStates(
  redis: RedisClient,
  keys: Keys,
): Promise<{ seq: number; states: StoredState[] }> {
  const [[, seq], [, members]] = (await redis
    .multi()
    .get(keys.healthSeq())
    .smembers(keys.healthIndex())
    .exec()) as [[unknown, string | null], [unknown, string[]]];
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
  const [[, rawSeq], [, since], [, changed]] = (await redis
    .multi()
    .get(keys.healthSeq())
    .zscore(keys.healthChanges(), SINCE)
    .zrangebyscore(keys.healthChanges(), `(${after}`, '+inf', 'WITHSCORES')
    .exec()) as [[unknown, string | null], [unknown, string | null], [unknown, string[]]];
  const seq = Number(rawSeq ?? 0);
  if (seq < after) return { unanswered: 'sequence went back' };
  if (seq === after) return { seq, states: [] };
  if (since === null) return { unanswered: 'change log missing' };
  if (Number(since) > after) return { unanswered: 'change log begins later' };
  const members: { member: string; version: number }[] = [];
  for (let i = 0; i + 1 < changed.length; i += 2)
    if (changed[i] !== SINCE) members.push({ member: changed[i]!, version: Number(changed[i + 1]) });
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
  const pipeline = redis.pipeline();
  for (const { product, env, key } of listed) pipeline.hmget(keys.providerState(product, env, key), 'v', 's');
  const results = (await pipeline.exec()) ?? [];
  return listed.map(({ member, version }, i) => {
    const [v, s] = (results[i]?.[1] ?? []) as (string | null)[];
    return v && s
      ? { member, version: Number(v), state: JSON.parse(s) as ProviderState }
      : { member, version, state: undefined };
  });
}
