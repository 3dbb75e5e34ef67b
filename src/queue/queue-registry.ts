import type { RedisClient } from '../redis/redis-client.js';
import { Keys } from '../store/keys.js';
import { LEGACY_QUEUE } from './queue-names.js';

/** A named job queue and the BullMQ prefix its keys live under. */
export interface NamedQueue {
  name: string;
  prefix: string;
}

/** Where a named queue's keys live: its own hash tag, or the plain prefix for the queue of old releases. */
export function queuePrefix(prefix: string, name: string): string {
  return name === LEGACY_QUEUE ? prefix : new Keys(prefix).jobQueuePrefix(name);
}

/**
 * Every named job queue producers have used (the set they add to), and the queue of releases
 * before named queues while it still holds anything, so its jobs are run and shown.
 */
export async function listJobQueues(redis: RedisClient, prefix: string): Promise<NamedQueue[]> {
  const names = (await redis.smembers(new Keys(prefix).jobQueues())).sort();
  if ((await redis.exists(`${prefix}:${LEGACY_QUEUE}:id`, `${prefix}:${LEGACY_QUEUE}:meta`)) > 0)
    names.push(LEGACY_QUEUE);
  return names.map((name) => ({ name, prefix: queuePrefix(prefix, name) }));
}
