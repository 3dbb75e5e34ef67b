import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { providerRows, providerTable } from '../provider-rows.js';

export interface HealthOptions {
  product?: string;
  env?: string;
  json?: boolean;
}

/**
 * `backstop health [--product] [--env]`: every provider of every fallback with its state as runs
 * see it (probes and circuit merged), one row per env its healthcheck probes.
 */
export function runHealth(options: HealthOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const providers = await providerRows(backstop, options);
    io.out(options.json ? JSON.stringify(providers) : providerTable(providers));
    return 0;
  });
}
