import { NotFoundError } from '../core/validation-error.js';
import type { JobQueues } from '../queue/job-queues.js';

export interface ScheduleView {
  id: string;
  tag: string;
  cron?: string | undefined;
  tz?: string | undefined;
  every?: number | undefined;
  next?: string | undefined;
}

/** `backstop.schedules`: the recurring dispatches (BullMQ job schedulers). */
export class SchedulesApi {
  constructor(private readonly queues: JobQueues) {}

  async list(): Promise<ScheduleView[]> {
    const all = await Promise.all((await this.queues.all()).map((q) => q.getJobSchedulers(0, -1, true)));
    return all.flat().map((s) => ({
      id: s.key,
      tag: s.name,
      cron: s.pattern ?? undefined,
      tz: s.tz ?? undefined,
      every: s.every ? Number(s.every) : undefined,
      next: s.next ? new Date(s.next).toISOString() : undefined,
    }));
  }

  /** Stops a recurring dispatch; occurrences already queued still run. */
  async remove(id: string): Promise<void> {
    // A schedule lives in the queue of its definition: ask each until one had it.
    for (const queue of await this.queues.all()) if (await queue.removeJobScheduler(id)) return;
    throw new NotFoundError('schedule', id);
  }
}
