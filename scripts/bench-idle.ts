/**
 * Idle Redis traffic of Backstop processes following 200 provider states (`npm run bench:idle`,
 * also part 4 of `npm run bench:scale`): commands per process and second, and whether any full
 * reload of states or drills happened while nothing changed. Starts and stops its own Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRedis } from '../src/redis/embedded-redis.js';
import { printIdle } from './bench/scale-idle.js';

const dir = mkdtempSync(join(tmpdir(), 'backstop-bench-idle-'));
const redis = await startEmbeddedRedis({ dataDir: dir, appendOnly: false });
try {
  console.log(`bench:idle on redis-server ${redis.url}, ${new Date().toISOString()}`);
  await printIdle(redis.url);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
