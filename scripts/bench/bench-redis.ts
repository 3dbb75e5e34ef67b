import { Redis } from 'ioredis';

/** A Redis the bench talks to, with the `hz` it reports (what decides delayed-job precision). */
export interface BenchRedis {
  label: string;
  url: string;
  hz: string;
}

/** The server's `hz`, or `?` where CONFIG is refused (managed Redis often refuses it). */
export async function hzOf(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const reply = (await client.config('GET', 'hz')) as string[];
    return reply[1] ?? '?';
  } catch {
    return '?';
  } finally {
    client.disconnect();
  }
}

/** SCAN + UNLINK, bounded: only keys under this run's prefixes. */
export async function removeKeys(url: string, pattern: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    for (let rounds = 0; rounds < 100_000; rounds++) {
      const [nextCursor, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = nextCursor;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
}
