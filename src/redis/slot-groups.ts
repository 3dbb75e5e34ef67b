import { groupBy } from '../core/group-by.js';
import { isCluster, type RedisClient } from './redis-client.js';

/**
 * Splits a batch by hash slot for a script call each, since a script's keys must share a slot on
 * a Cluster (CROSSSLOT otherwise). Keys with the same hash tag share a slot; a key without one is
 * a group of its own. A single node takes every key in one call: one group.
 */
export function groupBySlot<T>(redis: RedisClient, items: Iterable<T>, keyOf: (item: T) => string): T[][] {
  if (!isCluster(redis)) {
    const all = [...items];
    return all.length === 0 ? [] : [all];
  }
  return [...groupBy(items, (item) => hashTag(keyOf(item))).values()];
}

/** What Redis hashes to find a key's slot: the first `{…}` when it is not empty, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
