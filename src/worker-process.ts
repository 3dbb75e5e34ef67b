import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Backstop } from './backstop.js';
import type { Config } from './config.js';
import { ValidationError } from './core/validation-error.js';
import { startWorkerEndpoint } from './observability/worker-endpoint.js';
import type { BackstopWorker } from './queue/backstop-worker.js';
import type { WorkerOptions } from './queue/job-worker.js';
import { parseQueueList } from './queue/queue-names.js';

/** What a definitions module exports: a function that defines chains, apps and handlers. */
export type DefinitionsModule = (backstop: Backstop) => void | Promise<void>;

/**
 * Loads the user's code-first definitions (`BACKSTOP_DEFINITIONS=./definitions.ts`), whose default
 * export (or `register` export) receives the Backstop and defines chains, handlers and apps on it.
 */
export async function loadDefinitions(backstop: Backstop, path: string | undefined): Promise<void> {
  if (!path) return;
  const module = (await import(pathToFileURL(resolve(path)).href)) as {
    default?: unknown;
    register?: unknown;
  };
  const register = module.default ?? module.register;
  if (typeof register !== 'function') {
    throw ValidationError.field(
      'BACKSTOP_DEFINITIONS',
      `${path} must export a function (default or 'register') taking the Backstop`,
    );
  }
  await (register as DefinitionsModule)(backstop);
}

/**
 * Starts a Backstop and a worker from the environment, as the worker processes do: `fallbacks`
 * runs dispatched fallback jobs (workers/fallback.worker.ts), `healthchecks` runs probes
 * (workers/healthcheck.worker.ts). With BACKSTOP_WORKER_PORT, `GET /healthz` and `GET /metrics`
 * are served there (`endpoint`; the caller closes it).
 */
export async function startWorkerProcess(
  config: Config,
  role: 'fallbacks' | 'healthchecks',
): Promise<{
  backstop: Backstop;
  worker: BackstopWorker;
  endpoint: { url: string; close(): Promise<void> } | undefined;
}> {
  if (!config.REDIS_URL) {
    throw ValidationError.field(
      'env.REDIS_URL',
      'a worker process needs the Redis its producers use, e.g. REDIS_URL=redis://127.0.0.1:6379 ' +
        '(or redis+cluster://…, redis+sentinel://…, BACKSTOP_REDIS_CLUSTER_NODES)',
    );
  }
  const backstop = new Backstop({ redis: config.REDIS_URL });
  await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
  const worker = await backstop.worker({
    ...workerSettings(config),
    fallbacks: role === 'fallbacks',
    healthchecks: role === 'healthchecks',
  });
  const port = config.BACKSTOP_WORKER_PORT;
  const endpoint =
    port === undefined
      ? undefined
      : await startWorkerEndpoint(config.BACKSTOP_WORKER_HOST, port, () => worker.running, backstop.metrics);
  if (endpoint)
    backstop.logger.info(
      { url: `${endpoint.url}/healthz`, metrics: `${endpoint.url}/metrics` },
      'liveness endpoint',
    );
  return { backstop, worker, endpoint };
}

/** The worker settings of the environment (BACKSTOP_CONCURRENCY, BACKSTOP_QUEUES, …), flags overriding them. */
export function workerSettings(
  config: Config,
  concurrency?: number,
  queues?: string,
): WorkerOptions & { healthConcurrency?: number; queues?: string[] } {
  const settings: WorkerOptions & { healthConcurrency?: number; queues?: string[] } = {};
  if (queues !== undefined) settings.queues = parseQueueList(queues, '--queues');
  else if (config.BACKSTOP_QUEUES !== undefined)
    settings.queues = parseQueueList(config.BACKSTOP_QUEUES, 'env.BACKSTOP_QUEUES');
  const jobs = concurrency ?? config.BACKSTOP_CONCURRENCY;
  if (jobs !== undefined) {
    settings.concurrency = jobs;
    settings.healthConcurrency = jobs;
  }
  if (config.BACKSTOP_SHUTDOWN_GRACE_MS !== undefined)
    settings.shutdownGraceMs = config.BACKSTOP_SHUTDOWN_GRACE_MS;
  if (config.BACKSTOP_LOCK_DURATION_MS !== undefined)
    settings.lockDurationMs = config.BACKSTOP_LOCK_DURATION_MS;
  if (config.BACKSTOP_STALLED_INTERVAL_MS !== undefined)
    settings.stalledIntervalMs = config.BACKSTOP_STALLED_INTERVAL_MS;
  if (config.BACKSTOP_MAX_STALLED !== undefined) settings.maxStalled = config.BACKSTOP_MAX_STALLED;
  return settings;
}
