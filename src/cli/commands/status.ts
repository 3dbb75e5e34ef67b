import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { indent, table } from '../output.js';
import { providerRows, providerTable } from '../provider-rows.js';
import { COUNTED_STATES, readQueueCounts } from '../queue-counts.js';

export interface StatusOptions {
  product?: string;
  env?: string;
  json?: boolean;
}

/** `backstop status`: queue counts, recurring schedules and every provider's health, as tables. */
export function runStatus(options: StatusOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop, config, redis) => {
    const queues = await readQueueCounts(redis.url, config.BACKSTOP_PREFIX);
    const schedules = await backstop.schedules.list();
    const providers = await providerRows(backstop, options);
    if (options.json) {
      io.out(JSON.stringify({ queues, schedules, providers }));
      return 0;
    }
    const queueRows = queues.map((q) => [q.label, ...COUNTED_STATES.map((s) => String(q.counts[s]))]);
    io.out(`Queues\n${indent(table(['queue', ...COUNTED_STATES], queueRows))}`);
    if (schedules.length > 0) {
      const rows = schedules.map((s) => [
        s.id,
        s.tag,
        s.cron ? `cron ${s.cron}${s.tz ? ` ${s.tz}` : ''}` : `every ${s.every} ms`,
        s.next ?? '-',
      ]);
      io.out(`\nSchedules\n${indent(table(['id', 'fallback', 'when', 'next'], rows))}`);
    }
    const body = providerTable(providers);
    io.out(`\nProviders\n${indent(body)}`);
    return 0;
  });
}
