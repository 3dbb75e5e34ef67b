import { z } from 'zod';
import { MAX_TIMER_MS, tagSchema } from '../core/definition/common-schema.js';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { JobQueues } from '../queue/job-queues.js';
import { type JobView, viewOf } from '../queue/job-view.js';
import { jobDataOf } from '../queue/stored-job-data.js';

const CANCELLABLE = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children']);

/** The states `jobs.list` reads, in the order a person scans them. */
export const JOB_STATES = ['active', 'waiting', 'prioritized', 'delayed', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];
const LIST_PAGE = 100;
const LIST_SCAN_LIMIT = 10_000;

export interface ListJobsOptions {
  /** One state or several; every state by default. */
  state?: JobState | JobState[];
  /** Only jobs of this fallback (or feature) tag. */
  tag?: string;
  /** At most this many (default 50, at most 1000). */
  limit?: number;
  /**
   * Only jobs whose input has these values, by field (a dotted path for nested fields):
   * `{ orderId: 'A-42' }`, `{ 'customer.id': 7 }`. Values compare as text. Read pages of the
   * newest jobs like a tag filter.
   */
  input?: Record<string, string | number | boolean>;
}

const stateSchema = z.enum(JOB_STATES, { error: () => `expected one of ${JOB_STATES.join(', ')}` });

const listOptionsSchema = z.strictObject({
  // One state or several, as a list without repeats.
  state: z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(stateSchema).min(1))
    .transform((states) => [...new Set(states)])
    .optional(),
  tag: tagSchema.optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  input: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,7}$/, 'expected a field name or dotted path'),
      z.union([z.string().max(200), z.number(), z.boolean()]),
    )
    .refine((fields) => Object.keys(fields).length >= 1 && Object.keys(fields).length <= 8, {
      error: 'expected 1 to 8 fields',
    })
    .optional(),
});

/** `backstop.jobs`: look at, list, wait for, cancel and retry dispatched fallback and feature jobs. */
export class JobsApi {
  constructor(private readonly queues: JobQueues) {}

  /** State, result or error, and the attempt record. */
  async get(id: string): Promise<JobView> {
    let job = await this.find(id);
    const state = await job.getState();
    // The job may have finished between the two reads: its state then says so before its data does.
    if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = await this.find(id);
    return viewOf(job, state);
  }

  /**
   * The fallback workers alive now: each beats every 5 s, and counts as alive for 15 s after its
   * last beat (`lastBeatAt`, ms since epoch in Redis time).
   */
  async workers(): Promise<{ id: string; lastBeatAt: string }[]> {
    const live = await this.queues.liveWorkers();
    return live.map((w) => ({ id: w.id, lastBeatAt: new Date(w.lastBeatAt).toISOString() }));
  }

  /** Removes a job that has not started. A running or finished job is a conflict. */
  async cancel(id: string): Promise<JobView> {
    const job = await this.find(id);
    const state = await job.getState();
    if (!CANCELLABLE.has(state))
      throw new ConflictError(`job '${id}' is ${state}; only a job that has not started can be cancelled`);
    try {
      await job.remove();
    } catch (error) {
      // The job started between our look and the removal: BullMQ refuses to remove a locked job.
      throw new ConflictError(
        `job '${id}' started before it could be cancelled (${(error as Error).message})`,
      );
    }
    return viewOf(job, 'cancelled');
  }

  /**
   * Jobs by state, newest first: `list({ state: 'failed', tag: 'payment-fallback', limit: 20 })`.
   * A tag filter reads pages of the newest jobs until it has `limit` matches, at most
   * LIST_SCAN_LIMIT jobs per state.
   */
  async list(options: ListJobsOptions = {}): Promise<JobView[]> {
    const {
      state: states,
      tag,
      limit,
      input,
    } = parseOrThrow(listOptionsSchema, options, 'invalid jobs.list options');
    const fields =
      input === undefined
        ? []
        : Object.entries(input).map(([path, value]) => ({ path: path.split('.'), text: String(value) }));
    const inputMatches = (data: unknown) => fields.every(({ path, text }) => textAt(data, path) === text);
    const found: JobView[] = [];
    // Every named queue: `limit` per state from each, then the newest `limit` of them all.
    for (const queue of await this.queues.all())
      for (const state of states ?? JOB_STATES) {
        let matched = 0;
        for (let start = 0; matched < limit && start < LIST_SCAN_LIMIT; start += LIST_PAGE) {
          const page = await queue.getJobs([state], start, start + LIST_PAGE - 1, false);
          for (const job of page) {
            if (!job || (tag !== undefined && jobDataOf(job).tag !== tag) || matched >= limit) continue;
            if (fields.length > 0 && !inputMatches(job.data.input)) continue;
            found.push(viewOf(job, state));
            matched++;
          }
          if (page.length < LIST_PAGE) break;
        }
      }
    return found.sort((a, b) => b.dispatchedAt.localeCompare(a.dispatchedAt)).slice(0, limit);
  }

  /**
   * Runs a failed job again: the chain starts over from its first provider with the same
   * idempotency keys (a provider that did act answers from its record instead of acting twice);
   * a feature continues at the step that failed. Only failed jobs: anything else is a conflict.
   */
  async retry(id: string): Promise<JobView> {
    const job = await this.find(id);
    const state = await job.getState();
    if (state !== 'failed') {
      throw new ConflictError(
        `job '${id}' is ${state}; only a failed job can be retried${state === 'completed' ? ' (dispatch a new one to run it again)' : ''}`,
      );
    }
    const { failure: _failure, progress, ...data } = job.data;
    await job.updateData(progress ? { ...data, progress: { ...progress, startAt: 0 } } : data);
    await job.retry('failed', { resetAttemptsMade: true });
    return this.get(id);
  }

  /** Resolves with the job once it completed or failed; rejects with BACKSTOP_WAIT_TIMEOUT after `timeout` ms. */
  async wait(id: string, options: { timeout?: number } = {}): Promise<JobView> {
    const timeout = options.timeout ?? 30_000;
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMER_MS) {
      throw ValidationError.field('timeout', 'expected a positive whole number of ms');
    }
    const job = await this.find(id);
    const events = await this.queues.queueEvents(job.queueName);
    const deadline = Date.now() + timeout;
    // The completion event, raced with a slow poll of the job's state: an event that lands between
    // BullMQ's "already finished?" check and its listener would otherwise be waited for in vain.
    let done = false;
    const event = job.waitUntilFinished(events, timeout).then(
      () => true,
      (error: Error) => !String(error?.message).startsWith('Job wait '), // a failed job also finished
    );
    const poll = (async () => {
      while (!done && Date.now() < deadline) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))),
        );
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') return true;
      }
      return false;
    })();
    const finished = await Promise.race([event, poll]).finally(() => {
      done = true;
    });
    if (!finished)
      throw new BackstopError(ErrorCodes.WAIT_TIMEOUT, `job '${id}' did not finish within ${timeout} ms`);
    return this.get(id);
  }

  private async find(id: string) {
    if (typeof id !== 'string' || id === '') throw ValidationError.field('id', 'expected a job id');
    const job = await this.queues.find(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }
}

/** The primitive at `path` in a job's input, as text; undefined when there is none. */
function textAt(input: unknown, path: string[]): string | undefined {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}
