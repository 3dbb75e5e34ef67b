import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const EXTRA_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin', '/opt/homebrew/bin'];

/** The `redis-server` binary on PATH (or in the usual places), or undefined. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export const REDIS_SERVER_MISSING = [
  'redis-server was not found, and REDIS_URL is not set.',
  'Either install Redis 7 (Debian/Ubuntu: `sudo apt-get update && sudo apt-get install -y redis-server`,',
  'or run `npm run setup`, which does that when run as root), or point Backstop at a running Redis:',
  '`export REDIS_URL=redis://127.0.0.1:6379`.',
].join(' ');
