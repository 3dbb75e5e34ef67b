import type { Schedule } from '../../core/schedule.js';
import { ValidationError } from '../../core/validation-error.js';
import type { JobHandle, ScheduleHandle } from '../../queue/job-handle.js';
import type { DispatchParams } from '../../queue/producer.js';
import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { msOrDuration, parseInput } from '../parse.js';
import { waitForJob } from './jobs.js';

export interface DispatchOptions {
  input?: string;
  product?: string;
  env?: string;
  delay?: string;
  at?: string;
  tz?: string;
  every?: string;
  cron?: string;
  allowPast?: boolean;
  jobId?: string;
  idempotencyKey?: string;
  wait?: boolean;
  timeout?: string;
  json?: boolean;
}

/** `backstop dispatch <tag>`: validates everything (tag, input, schedule) and queues one job or a schedule. */
export function runDispatch(tag: string, options: DispatchOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const params: DispatchParams = { tag, input: parseInput(options.input) };
    if (options.product) params.product = options.product;
    if (options.env) params.env = options.env;
    if (options.jobId) params.jobId = options.jobId;
    if (options.idempotencyKey) params.idempotencyKey = options.idempotencyKey;
    const schedule = scheduleOf(options);
    if (schedule) params.schedule = schedule;
    const handle = await backstop.fallback.dispatch(params);
    io.out(options.json ? JSON.stringify(handle) : describeHandle(handle));
    if (!options.wait) return 0;
    if (!isJob(handle)) {
      throw ValidationError.field('--wait', 'a recurring schedule has no single job to wait for');
    }
    return waitForJob(backstop, handle.id, options, io);
  });
}

/** The flags as the library's `schedule`; it validates them (one form only, past `at`, zones). */
export function scheduleOf(options: DispatchOptions): Schedule | undefined {
  const schedule: Schedule = {};
  if (options.delay !== undefined) schedule.delay = msOrDuration(options.delay);
  if (options.every !== undefined) schedule.every = msOrDuration(options.every);
  if (options.at !== undefined) schedule.at = options.at;
  if (options.cron !== undefined) schedule.cron = options.cron;
  if (options.tz !== undefined) schedule.tz = options.tz;
  if (options.allowPast) schedule.allowPast = true;
  return Object.keys(schedule).length > 0 ? schedule : undefined;
}

function describeHandle(handle: JobHandle | ScheduleHandle): string {
  const where = `${handle.tag} (product ${handle.product}, env ${handle.env})`;
  if (!isJob(handle)) {
    const how = handle.cron
      ? `cron '${handle.cron}'${handle.tz ? ` in ${handle.tz}` : ''}`
      : `every ${handle.every} ms`;
    return `Scheduled ${handle.id}: ${where}, ${how}${handle.next ? `, next ${handle.next}` : ''}`;
  }
  const again = handle.existing ? ' (already dispatched with this job id)' : '';
  return `Dispatched job ${handle.id}: ${where}, ${handle.state}, due ${handle.runAt}${again}`;
}

function isJob(handle: JobHandle | ScheduleHandle): handle is JobHandle {
  return 'runAt' in handle;
}
