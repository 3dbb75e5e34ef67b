import { Backstop } from '../backstop.js';
import { type Config, loadConfig } from '../config.js';
import { silentLogger } from '../core/logger.js';
import { ValidationError } from '../core/validation-error.js';
import { loadDefinitions } from '../worker-process.js';
import type { Io } from './io.js';
import { formatError } from './output.js';

/** The Redis URL a command needs: REDIS_URL, since its own private redis-server would be empty. */
export function requireRedisUrl(config: Config, command: string): string {
  if (config.REDIS_URL) return config.REDIS_URL;
  throw ValidationError.field(
    'env.REDIS_URL',
    `\`backstop ${command}\` works on the Redis your workers use: set REDIS_URL ` +
      '(e.g. redis://127.0.0.1:6379; `backstop dev` prints the URL of its embedded one)',
  );
}

/**
 * Runs a one-shot command (dispatch, jobs, status) against Redis directly, as a library client:
 * the CLI is a producer like any other (DESIGN: CLI → producer → queue). Code-first definitions
 * come from BACKSTOP_DEFINITIONS, declarative ones from Redis. Prints any error with its code and
 * field paths and returns exit code 1; closes the Backstop either way.
 */
export async function withBackstop(
  io: Io,
  command: string,
  body: (backstop: Backstop, config: Config) => Promise<number>,
): Promise<number> {
  let backstop: Backstop | undefined;
  try {
    const config = loadConfig(io.env);
    backstop = new Backstop({ redis: requireRedisUrl(config, command), logger: silentLogger });
    await loadDefinitions(backstop, config.BACKSTOP_DEFINITIONS);
    return await body(backstop, config);
  } catch (error) {
    io.err(formatError(error));
    return 1;
  } finally {
    await backstop?.close().catch(() => {});
  }
}
