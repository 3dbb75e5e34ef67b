import { randomBytes } from 'node:crypto';
import { Backstop } from '../../backstop.js';
import { loadConfig } from '../../config.js';
import { apiKeysFromEnv } from '../../http/api-keys.js';
import { redactRedisUrl } from '../../redis/redis-url.js';
import { loadDefinitions } from '../../worker-process.js';
import { commandRedis } from '../client.js';
import type { Io } from '../io.js';
import { stderrLogger } from '../logger.js';
import { formatError } from '../output.js';
import { redisGone } from '../redis-gone.js';
import { serviceUrls, startServing } from '../serve.js';
import { Cleanup, exitOnSignals, stopAndExit } from '../shutdown.js';
import { workerSettings } from './worker.js';

export interface DevOptions {
  host?: string;
  port?: number;
  /** Demo apps, chains and healthchecks against local simulators, and a steady trickle of jobs. */
  demo: boolean;
}

/**
 * `backstop dev`: everything in one process tree: Redis (REDIS_URL, else the project's embedded
 * redis-server, found or started, kept in BACKSTOP_DATA_DIR across restarts), the API with the
 * dashboard, and a worker running fallback jobs and healthchecks.
 * Prints the URLs and, when BACKSTOP_API_KEYS is unset, a generated write key. Logs go to stderr.
 */
export async function runDev(options: DevOptions, io: Io): Promise<void> {
  const cleanup = new Cleanup();
  exitOnSignals(cleanup, io);
  try {
    const config = loadConfig(io.env);
    // Warnings only unless LOG_LEVEL asks for more: info lines (every probe) would drown the output.
    const logger = stderrLogger(io.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn');
    const { keys, generated } = devKeys(config.BACKSTOP_API_KEYS);
    // Found or started here rather than by the Backstop, so its URL can be printed and given to the
    // dashboard. dev adopts a server whose starter is gone, so that something stops it.
    const redis = await commandRedis(config, { adoptOrphan: true });
    cleanup.add('redis-server', () => redis.release());
    const redisUrl = redis.url;
    const redisNote = redis.note;
    let needsRedis = (_name: string, step: () => Promise<void>) => step;
    if (redis.started && redis.port !== undefined) {
      const port = redis.port;
      needsRedis = (name, step) => unlessGone(port, name, step, io);
    }
    const demo = options.demo ? await import('../../../scripts/dev-demo.js') : undefined;
    const providers = await demo?.startDemoProviders();
    if (providers) cleanup.add('demo providers', () => providers.close());
    const backstop = new Backstop({
      redis: redisUrl,
      logger,
      processEnv: io.env,
      product: config.BACKSTOP_PRODUCT ?? demo?.DEMO_PRODUCT,
      env: config.BACKSTOP_ENV ?? demo?.DEMO_ENV,
    });
    cleanup.add(
      'backstop',
      needsRedis('backstop', () => backstop.close()),
    );
    await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
    const worker = await backstop.worker(workerSettings(config));
    cleanup.add(
      'worker',
      needsRedis('worker', () => worker.close()),
    );
    // A developer's own machine: the board may retry and clean jobs.
    const { host, port } = options;
    const server = await startServing({ backstop, config, redisUrl, keys, host, port, readOnly: false });
    cleanup.add('api', () => server.close());
    io.out(banner(server.url, redisUrl, redisNote, generated));
    if (demo && providers) {
      const running = await demo.startDevDemo(backstop, providers, io.out);
      cleanup.add('demo', () => running.stop());
    }
  } catch (error) {
    io.err(formatError(error));
    await stopAndExit(cleanup, io, 1);
  }
}

/**
 * A shutdown step that needs Redis, abandoned when the embedded redis-server stops first (Ctrl+C
 * reaches it too): a worker closing on a Redis that is gone would wait forever.
 */
function unlessGone(port: number, name: string, step: () => Promise<void>, io: Io): () => Promise<void> {
  return async () => {
    const done = step().then(() => true);
    if (await Promise.race([done, redisGone(port).then(() => false)])) return;
    io.err(
      `shutdown: the embedded redis-server stopped first (it got the signal too); not waiting for the ${name}`,
    );
  };
}

/** The configured keys, or one generated write key for this run (printed, never stored). */
export function devKeys(value: string | undefined): {
  keys: ReturnType<typeof apiKeysFromEnv>;
  generated?: string;
} {
  if (value !== undefined && value.trim() !== '') return { keys: apiKeysFromEnv(value) };
  const key = `dev_${randomBytes(18).toString('base64url')}`;
  return { keys: apiKeysFromEnv(`dev:${key}:write`), generated: key };
}

function banner(base: string, redisUrl: string, redisNote: string, generatedKey: string | undefined): string {
  const urls = serviceUrls(base);
  const key = generatedKey ?? '<a key from BACKSTOP_API_KEYS>';
  return [
    '',
    'Backstop dev is running',
    `  API        ${urls.api}`,
    `  Queues     ${urls.queues}`,
    `  Health     ${urls.health}`,
    `  Runs       ${urls.runs}`,
    `  OpenAPI    ${urls.openapi}`,
    `  Metrics    ${urls.metrics}   (the API's and this worker's runs: one process)`,
    `  Redis      ${redactRedisUrl(redisUrl)}  (${redisNote})`,
    generatedKey
      ? `  API key    ${generatedKey}  (generated for this run; set BACKSTOP_API_KEYS=name:key:write to choose one)`
      : '  API keys   from BACKSTOP_API_KEYS',
    '',
    'The dashboard asks for a login: any user name, the API key as password. From a shell:',
    `  curl -H 'authorization: Bearer ${key}' ${urls.api}/v1/fallbacks`,
    redisNote.startsWith('embedded')
      ? '  npx backstop status          (other terminals of this project find this Redis on their own)'
      : '  npx backstop status          (with the same REDIS_URL)',
    'Ctrl+C stops everything (twice: at once).',
    '',
  ].join('\n');
}
