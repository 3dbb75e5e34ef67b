import { MAX_TIMER_MS } from '../core/definition/common-schema.js';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/validation-error.js';
import type { JobQueue, JobQueues } from '../queue/job-queues.js';
import { type JobView, viewOf } from '../queue/job-view.js';

const CANCELLABLE = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children']);

/** `backstop.jobs`: look at, wait for and cancel dispatched fallback jobs. */
export class JobsApi {
  constructor(private readonly queues: JobQueues) {}

  /** State, result or error, and the attempt record. */
  async get(id: string): Promise<JobView> {
    const queue = await this.queues.jobQueue();
    let job = await this.find(queue, id);
    const state = await job.getState();
    // The job may have finished between the two reads: its state then says so before its data does.
    if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = await this.find(queue, id);
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
    const queue = await this.queues.jobQueue();
    const job = await this.find(queue, id);
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

  /** Resolves with the job once it completed or failed; rejects with BACKSTOP_WAIT_TIMEOUT after `timeout` ms. */
  async wait(id: string, options: { timeout?: number } = {}): Promise<JobView> {
    const timeout = options.timeout ?? 30_000;
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMER_MS) {
      throw ValidationError.field('timeout', 'expected a positive whole number of ms');
    }
    const queue = await this.queues.jobQueue();
    const job = await this.find(queue, id);
    const events = await this.queues.queueEvents();
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

  private async find(queue: JobQueue, id: string) {
    if (typeof id !== 'string' || id === '') throw ValidationError.field('id', 'expected a job id');
    const job = await queue.getJob(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }
}
