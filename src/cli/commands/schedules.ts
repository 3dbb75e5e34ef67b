import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { table } from '../output.js';

/** `backstop schedules list`: the recurring dispatches, with their next run. */
export function runSchedulesList(options: { json?: boolean }, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const schedules = await backstop.schedules.list();
    if (options.json) {
      io.out(JSON.stringify(schedules));
      return 0;
    }
    if (schedules.length === 0) {
      io.out('no recurring schedules');
      return 0;
    }
    const rows = schedules.map((s) => [
      s.id,
      s.tag,
      s.cron ? `cron ${s.cron}${s.tz ? ` ${s.tz}` : ''}` : `every ${s.every} ms`,
      s.next ?? '-',
    ]);
    io.out(table(['id', 'fallback', 'when', 'next'], rows));
    return 0;
  });
}

/** `backstop schedules remove <id>`: stops a recurring dispatch (occurrences already queued still run). */
export function runSchedulesRemove(id: string, options: { json?: boolean }, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    await backstop.schedules.remove(id);
    io.out(options.json ? JSON.stringify({ id, removed: true }) : `Removed schedule ${id}`);
    return 0;
  });
}
