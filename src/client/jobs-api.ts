import { BackstopError, ErrorCodes } from '../core/errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/validation-error.js';
import { type JobView, viewOf } from '../queue/job-view.js';
import type { FallbackQueue, QueueRuntime } from '../queue/queues.js';

const CANCELLABLE = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children']);

/** `backstop.jobs`: look at, wait for and cancel dispatched fallback jobs. */
export class JobsApi {
  constructor(private readonly queues: QueueRuntime) {}

  /** State, result or error, and the attempt record. */
  async get(id: string): Promise<JobView> {
    const queue = await this.queues.fallbackQueue();
    let job = await this.find(queue, id);
    const state = await job.getState();
    // The job may have finished between the two reads: its state then says so before its data does.
    if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = await this.find(queue, id);
    return viewOf(job, state);
  }

  /** Removes a job that has not started. A running or finished job is a conflict. */
  async cancel(id: string): Promise<JobView> {
    const queue = await this.queues.fallbackQueue();
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
    if (!Number.isInteger(timeout) || timeout <= 0)
      throw ValidationError.field('timeout', 'expected a positive whole number of ms');
    const queue = await this.queues.fallbackQueue();
    const job = await this.find(queue, id);
    const events = await this.queues.queueEvents();
    try {
      await job.waitUntilFinished(events, timeout);
    } catch (error) {
      const message = (error as Error).message ?? '';
      if (message.startsWith('Job wait ') && message.includes('timed out before finishing')) {
        throw new BackstopError(ErrorCodes.WAIT_TIMEOUT, `job '${id}' did not finish within ${timeout} ms`);
      }
      // A failed job rejects waitUntilFinished with its reason; the view below carries it.
    }
    return this.get(id);
  }

  private async find(queue: FallbackQueue, id: string) {
    if (typeof id !== 'string' || id === '') throw ValidationError.field('id', 'expected a job id');
    const job = await queue.getJob(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }
}
