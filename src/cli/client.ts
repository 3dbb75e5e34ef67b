import { silentLogger } from '../core/logger.js';
import { Backstop, type Config, loadConfig, NotFoundError } from '../index.js';
import { useProjectRedis } from '../redis/project-redis.js';
import { loadDefinitions } from '../worker-process.js';
import type { Io } from './io.js';
import { formatError } from './output.js';
import { suggestion } from './suggest.js';

/** The Redis a command works on, and how to let go of it. */
export interface CommandRedis {
  url: string;
  /** Where it came from, for a banner. */
  note: string;
  /** Whether this process started the project's embedded server (and so stops it on `release`). */
  started: boolean;
  port?: number;
  release(): Promise<void>;
}

/**
 * REDIS_URL, or else the project's embedded redis-server (`<BACKSTOP_DATA_DIR>/redis`): the one
 * `backstop dev` runs, found through its `server.json`, or started for this command when none runs.
 */
export async function commandRedis(
  config: Config,
  options: { adoptOrphan?: boolean } = {},
): Promise<CommandRedis> {
  if (config.REDIS_URL)
    return { url: config.REDIS_URL, note: 'from REDIS_URL', started: false, release: async () => {} };
  const server = await useProjectRedis({
    dataDir: config.BACKSTOP_DATA_DIR,
    hz: config.BACKSTOP_REDIS_HZ,
    adoptOrphan: options.adoptOrphan ?? false,
  });
  const whose = server.owned ? 'started by this process' : `started by process ${server.starterPid}`;
  return {
    url: server.url,
    note: `embedded redis-server, ${whose}, data in ${server.dataDir}`,
    started: server.owned,
    port: server.port,
    release: () => server.stop(),
  };
}

/**
 * Runs a one-shot command against Redis directly, through the public Backstop API: the CLI is a
 * client like any other. Code-first definitions come from BACKSTOP_DEFINITIONS, declarative ones
 * from Redis. An error is printed once, in the CLI's words, with the nearest known name for an
 * unknown tag; the exit code is then 1. Closes what it opened either way.
 */
export async function withBackstop(
  io: Io,
  body: (backstop: Backstop, config: Config, redis: CommandRedis) => Promise<number>,
): Promise<number> {
  let backstop: Backstop | undefined;
  let redis: CommandRedis | undefined;
  try {
    const config = loadConfig(io.env);
    redis = await commandRedis(config);
    if (redis.started) {
      io.err(
        `note: no other Backstop process of this project is running: started the embedded redis-server ` +
          `(${redis.note.split(', ').at(-1)}) for this command; \`backstop dev\` keeps one up`,
      );
    }
    backstop = new Backstop({ redis: redis.url, logger: silentLogger, processEnv: io.env });
    await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
    return await body(backstop, config, redis);
  } catch (error) {
    io.err(formatError(error, await hintsFor(error, backstop)));
    return 1;
  } finally {
    await backstop?.close().catch(() => {});
    await redis?.release().catch(() => {});
  }
}

/** For an unknown fallback, feature or schedule: the nearest known one, or what is known. */
async function hintsFor(error: unknown, backstop: Backstop | undefined): Promise<string[]> {
  if (!(error instanceof NotFoundError) || !backstop) return [];
  try {
    if (error.kind === 'fallback' || error.kind === 'feature') {
      const all =
        error.kind === 'fallback'
          ? (await backstop.fallback.fetchAll()).map((d) => ({ product: d.product, tag: d.tag }))
          : (await backstop.features.fetchAll()).map((d) => ({ product: d.product, tag: d.definition.tag }));
      if (all.length === 0) {
        return [`no ${error.kind}s are defined (code-first ones come from the BACKSTOP_DEFINITIONS module)`];
      }
      const inProduct = all.filter((d) => !error.product || d.product === error.product).map((d) => d.tag);
      if (inProduct.length > 0 || !error.product) {
        return [
          suggestion(error.kind, error.tag, inProduct, error.product ? ` in product '${error.product}'` : ''),
        ];
      }
      const products = [...new Set(all.map((d) => d.product))];
      return [
        `no ${error.kind}s in product '${error.product}'; ${suggestion('product', error.product, products)}`,
      ];
    }
    if (error.kind === 'schedule') {
      const ids = (await backstop.schedules.list()).map((s) => s.id);
      return [suggestion('schedule', error.tag, ids)];
    }
  } catch {
    // The hint is a courtesy: the error itself has been said.
  }
  return [];
}
