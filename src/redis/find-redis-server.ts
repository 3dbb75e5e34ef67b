import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const EXTRA_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin', '/opt/homebrew/bin'];

/** The `redis-server` binary on PATH (or in the usual places), or undefined. */
export function findRedisServer(
  env: NodeJS.ProcessEnv = process.env,
  extraDirs = EXTRA_DIRS,
): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((dir) => join(dir, 'redis-server')).find(isExecutable);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const REDIS_SERVER_MISSING = [
  'redis-server was not found, and REDIS_URL is not set.',
  'Either install Redis 7 (Debian/Ubuntu: `sudo apt-get update && sudo apt-get install -y redis-server`,',
  'or run `npm run setup`, which does that when run as root), or point Backstop at a running Redis:',
  '`export REDIS_URL=redis://127.0.0.1:6379`.',
].join(' ');
