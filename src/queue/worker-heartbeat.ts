import { hostname } from 'node:os';
import type { Logger } from '../core/logger.js';
import { ErrorLog } from '../redis/error-log.js';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import { scoredMembers } from '../redis/scored-members.js';

/** A worker beats this often. */
export const HEARTBEAT_MS = 5_000;
/**
 * A worker counts as alive this long after its last beat: three beats, so that one late or lost
 * beat (a busy loop, a Redis blip) does not make readiness flap.
 */
export const ALIVE_MS = 3 * HEARTBEAT_MS;

/** Beats in Redis time, so that the clocks of worker and reader hosts need not agree. */
const BEAT = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("ZADD", KEYS[1], now, ARGV[1])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - 3600000)
return now
`;
const recordBeat = luaCommand<number>('backstopWorkerBeat', BEAT);
/** The workers that beat within ARGV[1] ms of Redis's clock. KEYS: heartbeats. */
const ALIVE = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call("ZRANGEBYSCORE", KEYS[1], now - tonumber(ARGV[1]), "+inf", "WITHSCORES")
`;
// Read-only: the store connection lets a read through a reconnect (src/redis/reads-across-reconnect.ts),
// so readiness does not flap on one.
const beatsWithin = luaCommand<string[]>('backstopLiveWorkers', ALIVE, { readOnly: true });

/**
 * A fallback worker's heartbeat: readiness (`/readyz`, `jobs.workers()`) asks which workers beat
 * lately instead of listing connections, which come and go with every reconnect. The beats are in
 * Redis, so they outlive a Redis restart on its AOF: workers count as alive again at once.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly log: ErrorLog;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    readonly id: string,
    logger: Logger,
  ) {
    this.log = new ErrorLog(logger);
  }

  static idFor(workerId: string): string {
    return `${hostname()}/${process.pid}/${workerId.slice(0, 8)}`;
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.log.flush();
    await this.redis.zrem(this.key, this.id).catch(() => {});
  }

  private async beat(): Promise<void> {
    try {
      await recordBeat(this.redis, [this.key], [this.id]);
    } catch (error) {
      this.log.error(error, 'worker heartbeat failed');
    }
  }
}

/** Workers that beat within `ALIVE_MS`, with when (ms, Redis time). */
export async function liveWorkers(
  redis: RedisClient,
  key: string,
): Promise<{ id: string; lastBeatAt: number }[]> {
  const beats = scoredMembers(await beatsWithin(redis, [key], [ALIVE_MS]));
  return beats.map(({ member, score }) => ({ id: member, lastBeatAt: score }));
}
