import type { Queue } from 'bullmq';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from '../store/keys.js';
import { type ProbeJobData, roundSchedulerId, upsertRoundScheduler } from './healthcheck-scheduler.js';
import { LegacySchedulers } from './legacy-schedulers.js';

/**
 * Moves one healthcheck's envs into the round of an interval (out of the one it was in), or out of
 * every round (interval '0'), in one step: two processes scheduling it at once leave it in one
 * round. Returns the interval of the round it left when that round is now empty, else 0.
 * The round sets' names are built here from their prefix: they share the hash tag of KEYS[1], so
 * one slot holds them all on a Cluster.
 * KEYS: round-of hash. ARGV: round key prefix, healthcheck (`product|tag`), interval, envs…
 */
const PLACE = `
local old = redis.call('HGET', KEYS[1], ARGV[2])
local was
if old then
  local record = cjson.decode(old)
  was = tostring(record.interval)
  for _, env in ipairs(record.envs) do redis.call('SREM', ARGV[1] .. was, ARGV[2] .. '|' .. env) end
end
if ARGV[3] == '0' then
  redis.call('HDEL', KEYS[1], ARGV[2])
else
  local envs = {}
  for i = 4, #ARGV do
    envs[#envs + 1] = ARGV[i]
    redis.call('SADD', ARGV[1] .. ARGV[3], ARGV[2] .. '|' .. ARGV[i])
  end
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode({ interval = tonumber(ARGV[3]), envs = envs }))
end
if was and was ~= ARGV[3] and redis.call('SCARD', ARGV[1] .. was) == 0 then return tonumber(was) end
return 0`;

// Applied once: sent again after a lost reply, it would find itself placed already and answer 0,
// and the round it left empty would keep its scheduler.
const placeInRound = luaCommand<number>('backstopPlaceInRound', PLACE, { once: true });

/** One healthcheck and env probed by a round. */
export interface RoundMember {
  product: string;
  tag: string;
  env: string;
}

/**
 * Probe rounds: every healthcheck and env due at one interval is probed by one BullMQ job, made by
 * one job scheduler per distinct interval (`round.<interval>ms`). One job per probe would cost
 * BullMQ's whole job machinery (some 50 Redis commands) per probe; a round shares it among its
 * members. Membership lives in Redis (a set per interval, and which round each healthcheck is in),
 * so every process that schedules a healthcheck moves it, and a round's job reads who is in it.
 */
export class ProbeRounds {
  private readonly legacy: LegacySchedulers;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly queue: Queue<ProbeJobData>,
  ) {
    this.legacy = new LegacySchedulers(queue);
  }

  /**
   * Probes a healthcheck's envs in the round of `interval` from now on (out of the round it was
   * in, envs it no longer has dropped), and removes the schedulers earlier versions gave it.
   */
  async join(product: string, tag: string, envs: readonly string[], interval: number): Promise<void> {
    const left = await this.place(product, tag, interval, envs);
    // Idempotent: every join makes sure its round's scheduler exists (the same `every` keeps its phase).
    await upsertRoundScheduler(this.queue, interval);
    if (left) await this.retireIfEmpty(left);
    await this.legacy.remove(product, tag);
  }

  /** Stops probing a healthcheck (every env). */
  async leave(product: string, tag: string): Promise<void> {
    const left = await this.place(product, tag, 0, []);
    if (left) await this.retireIfEmpty(left);
    await this.legacy.remove(product, tag);
  }

  /**
   * Healthchecks that still have schedulers of earlier versions (one per healthcheck and env),
   * listed afresh: a healthcheck worker starting asks, to move them into rounds.
   */
  legacyHealthchecks(): Promise<{ product: string; tag: string }[]> {
    return this.legacy.refresh();
  }

  /** The healthchecks and envs in the round of `interval` now. */
  async members(interval: number): Promise<RoundMember[]> {
    const raw = await this.redis.smembers(this.keys.probeRound(interval));
    return raw.flatMap((member) => {
      const [product, tag, env] = member.split('|');
      return product && tag && env ? [{ product, tag, env }] : [];
    });
  }

  /**
   * Removes the scheduler of a round that was found empty. A healthcheck may have joined it
   * meanwhile (its join upserted the scheduler before this removal): the set is read again after
   * removing, and the scheduler put back when it has members.
   */
  async retireIfEmpty(interval: number): Promise<void> {
    const round = this.keys.probeRound(interval);
    if ((await this.redis.scard(round)) > 0) return;
    await this.queue.removeJobScheduler(roundSchedulerId(interval));
    if ((await this.redis.scard(round)) > 0) await upsertRoundScheduler(this.queue, interval);
  }

  private place(product: string, tag: string, interval: number, envs: readonly string[]): Promise<number> {
    return placeInRound(
      this.redis,
      [this.keys.probeRoundOf()],
      [this.keys.probeRoundPrefix(), `${product}|${tag}`, String(interval), ...envs],
    ).then(Number);
  }
}
