import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * One real Redis for the whole run: `REDIS_URL` if set, else a Testcontainers Redis when a Docker
 * engine answers, else a private redis-server on a free port. Tests isolate by key prefix.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const container = await tryContainer();
  if (container) {
    project.provide('redisUrl', container.url);
    return container.stop;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-test-'));
  const redis = await startEmbeddedRedis({ dataDir, appendOnly: false });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

async function tryContainer(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  // Only where a Docker engine could answer; the client alone (as on this machine) is not enough.
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return undefined;
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const started = await new RedisContainer('redis:7-alpine').start();
    return { url: started.getConnectionUrl(), stop: async () => void (await started.stop()) };
  } catch (error) {
    console.warn(
      `Testcontainers could not start Redis (${(error as Error).message}); using a local redis-server`,
    );
    return undefined;
  }
}
