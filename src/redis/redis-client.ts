import { Cluster, type Redis } from 'ioredis';

/** What Backstop talks to: one node (direct or through Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Every key matching `pattern`, from every master: SCAN on a Cluster client asks one node only, so
 * a search through it would miss (and report zero for) what other masters hold.
 */
export async function scanKeys(client: RedisClient, pattern: string, count = 500): Promise<string[]> {
  const nodes: Redis[] = isCluster(client) ? client.nodes('master') : [client];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      for (const key of keys) found.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}
