import { afterAll, describe, expect, it } from 'vitest';
import { INITIAL_STATE } from '../../src/core/health/provider-state.js';
import { indexMember } from '../../src/health/health-event.js';
import { readAllStates, readChangesSince } from '../../src/health/snapshot-reads.js';
import { Keys } from '../../src/store/keys.js';
import { rawRedis, uniquePrefix } from '../helpers/redis.js';

/** More states than one read script takes, so a full load spans several calls. */
const STATES = 1_201;

/**
 * The reads a health snapshot loads from: every state with its version, or the states written
 * after a sequence number, including states the index or the change log names but Redis lost.
 */
describe('health snapshot reads', () => {
  const redis = rawRedis();
  const keys = new Keys(uniquePrefix());
  afterAll(() => redis.disconnect());

  /** Writes `count` states as the compare-and-set script does (version = sequence number). */
  async function writeStates(count: number): Promise<void> {
    const write = redis.multi();
    for (let n = 1; n <= count; n++) {
      const member = indexMember('shop', 'prd', `provider-${n}`);
      const state = { ...INITIAL_STATE, ejections: n };
      write.hset(keys.providerState('shop', 'prd', `provider-${n}`), 'v', n, 's', JSON.stringify(state));
      write.sadd(keys.healthIndex(), member);
      write.zadd(keys.healthChanges(), n, member);
    }
    write.zadd(keys.healthChanges(), 0, '|since').set(keys.healthSeq(), count);
    await write.exec();
  }

  it('loads every state in full, in several script calls, leaving out states that are gone', async () => {
    await writeStates(STATES);
    await redis.sadd(keys.healthIndex(), indexMember('shop', 'prd', 'expired'), 'probe|older-layout');
    const { seq, states } = await readAllStates(redis, keys);
    expect(seq).toBe(STATES);
    expect(states).toHaveLength(STATES);
    for (const { member, version, state } of states) {
      expect(member).toBe(indexMember('shop', 'prd', `provider-${version}`));
      expect(state?.ejections).toBe(version);
    }
  });

  it('reads only the states written after a sequence number, a lost one without its state', async () => {
    await redis.zadd(keys.healthChanges(), STATES + 1, indexMember('shop', 'prd', 'expired'));
    await redis.set(keys.healthSeq(), STATES + 1);
    const read = await readChangesSince(redis, keys, STATES - 2);
    expect(read).toEqual({
      seq: STATES + 1,
      states: [
        expect.objectContaining({ member: indexMember('shop', 'prd', `provider-${STATES - 1}`) }),
        expect.objectContaining({ member: indexMember('shop', 'prd', `provider-${STATES}`) }),
        { member: indexMember('shop', 'prd', 'expired'), version: STATES + 1, state: undefined },
      ],
    });
    expect(await readChangesSince(redis, keys, STATES + 1)).toEqual({ seq: STATES + 1, states: [] });
    expect(await readChangesSince(redis, keys, STATES + 5)).toEqual({ unanswered: 'sequence went back' });
    await redis.zrem(keys.healthChanges(), '|since');
    expect(await readChangesSince(redis, keys, 3)).toEqual({ unanswered: 'change log missing' });
  });
});
