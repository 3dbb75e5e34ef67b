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
    const queue = await this.queues.jobQueue();
    const schedulers = await queue.getJobSchedulers(0, -1, true);
    return schedulers.map((s) => ({
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
    const queue = await this.queues.jobQueue();
    if (!(await queue.removeJobScheduler(id))) throw new NotFoundError('schedule', id);
  }
}
