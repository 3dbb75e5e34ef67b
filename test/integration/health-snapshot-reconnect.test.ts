import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { captureLogger, type LogLine } from '../helpers/capture-logger.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { resyncs, stateWriters, tracked } from '../helpers/snapshot-kit.js';
import { until } from '../helpers/until.js';

/**
 * A process whose subscribers are cut off (CLIENT KILL TYPE pubsub, on a Redis of this file's own,
 * so no other test's subscribers are touched) while another wrote: when they reconnect, it reads
 * only what it missed.
 */
describe('health snapshot after its subscriber reconnects', () => {
  const prefix = uniquePrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-snapshot-reconnect-'));
  const lines: LogLine[] = [];
  let server: EmbeddedRedis;
  let redis: Redis;
  let backstop: ReturnType<typeof testBackstop>;

  beforeAll(async () => {
    server = await startEmbeddedRedis({ dataDir, appendOnly: false });
    redis = new Redis(server.url);
    backstop = testBackstop({ redis: server.url, prefix, logger: captureLogger(lines) });
    await backstop.health.drills(); // connected: snapshot loaded
    const write = stateWriters(prefix, redis);
    for (const p of ['p-0', 'p-1', 'p-2']) await write.eject(p);
    await until(() => Object.keys(tracked(backstop)).length === 3);
  });
  afterAll(async () => {
    await backstop?.close();
    redis?.disconnect();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads the one state written while it was cut off, and no other', async () => {
    const from = lines.length;
    await stateWriters(prefix, redis).resetLost('p-1');
    await redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until(() => tracked(backstop)['p-1'] === 'unknown');
    const { caughtUp, fullLoads } = resyncs(lines, from);
    expect(fullLoads).toEqual([]);
    expect(caughtUp).toContainEqual(expect.objectContaining({ reason: 'reconnected', states: 1 }));
    expect(tracked(backstop)).toEqual({ 'p-0': 'ejected', 'p-1': 'unknown', 'p-2': 'ejected' });
  });
});
