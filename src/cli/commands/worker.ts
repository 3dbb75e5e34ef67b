import { Backstop } from '../../backstop.js';
import { loadConfig } from '../../config.js';
import { ValidationError } from '../../core/validation-error.js';
import { createLogger } from '../../logger.js';
import { startWorkerEndpoint } from '../../observability/worker-endpoint.js';
import { loadDefinitions, workerSettings } from '../../worker-process.js';
import { commandRedis } from '../client.js';
import type { Io } from '../io.js';
import { formatError } from '../output.js';
import { Cleanup, exitOnSignals, stopAndExit } from '../shutdown.js';

export interface WorkerCommandOptions {
  /** False with `--no-healthchecks`: probes are left to a `--healthchecks-only` process. */
  healthchecks: boolean;
  healthchecksOnly?: boolean;
  concurrency?: number;
  /** `--queues payments,sms`: these named queues only. */
  queues?: string;
  /** Serve `GET /healthz` (liveness) and `GET /metrics` on this port; none when unset. */
  port?: number;
  host: string;
}

/**
 * `backstop worker`: runs dispatched fallback jobs and healthcheck probes (or one of the two) on
 * the Redis in REDIS_URL (else the project's embedded one), with code-first definitions from BACKSTOP_DEFINITIONS. Pino JSON logs on
 * stdout. First SIGTERM/SIGINT: graceful (running jobs get BACKSTOP_SHUTDOWN_GRACE_MS); a second: now.
 */
export async function runWorker(options: WorkerCommandOptions, io: Io): Promise<void> {
  const cleanup = new Cleanup();
  exitOnSignals(cleanup, io);
  try {
    const config = loadConfig(io.env);
    const fallbacks = !options.healthchecksOnly;
    if (!fallbacks && !options.healthchecks) {
      throw ValidationError.field('--healthchecks-only', 'cannot be combined with --no-healthchecks');
    }
    const logger = createLogger(config.LOG_LEVEL, { role: 'worker' });
    const redis = await commandRedis(config);
    cleanup.add('redis', () => redis.release());
    if (!config.REDIS_URL)
      logger.warn({ redis: redis.note }, 'REDIS_URL is not set: using the embedded redis-server');
    const backstop = new Backstop({ redis: redis.url, logger, processEnv: io.env });
    cleanup.add('backstop', () => backstop.close());
    await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
    const worker = await backstop.worker({
      ...workerSettings(config, options.concurrency, options.queues),
      fallbacks,
      healthchecks: options.healthchecks,
    });
    cleanup.add('worker', () => worker.close());
    if (options.port !== undefined) {
      const endpoint = await startWorkerEndpoint(
        options.host,
        options.port,
        () => worker.running,
        backstop.metrics,
      );
      cleanup.add('liveness', () => endpoint.close());
      logger.info(
        { url: `${endpoint.url}/healthz`, metrics: `${endpoint.url}/metrics` },
        'liveness endpoint',
      );
    }
    logger.info(
      { pid: process.pid, fallbacks, healthchecks: options.healthchecks, queues: worker.queues ?? 'none' },
      'worker ready',
    );
  } catch (error) {
    io.err(formatError(error));
    await stopAndExit(cleanup, io, 1);
  }
}

export { workerSettings };
