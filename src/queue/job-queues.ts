import { Queue, QueueEvents } from 'bullmq';
import type { Logger } from '../core/logger.js';
import { ErrorLog } from '../redis/error-log.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Stores } from '../store/redis-stores.js';
import { JOB_QUEUE, type JobData, type JobResult } from './job-data.js';
import { defaultJobOptions, type JobRetention } from './job-options.js';
import { liveWorkers } from './worker-heartbeat.js';

export type JobQueue = Queue<JobData, JobResult, string>;

/**
 * The producer side of the job queue, made on first use. The Queue shares the store's fail-fast
 * connection (a dispatch must not hang while Redis is down); QueueEvents, which blocks, gets its own.
 */
export class JobQueues {
  private queue: Promise<JobQueue> | undefined;
  private events: Promise<QueueEvents> | undefined;
  private eventsConnection: RedisClient | undefined;

  private readonly log: ErrorLog | undefined;

  constructor(
    private readonly stores: () => Promise<Stores>,
    readonly prefix: string,
    readonly retention: JobRetention,
    logger?: Logger,
  ) {
    this.log = logger ? new ErrorLog(logger) : undefined;
  }

  /** Made once: concurrent first callers share the same promise (and the one error listener). */
  jobQueue(): Promise<JobQueue> {
    this.queue ??= this.stores().then(({ redis }) => {
      const queue = new Queue<JobData, JobResult, string>(JOB_QUEUE, {
        connection: redis,
        prefix: this.prefix,
        defaultJobOptions: defaultJobOptions(this.retention),
      });
      // BullMQ re-emits connection errors; unheard, they print as unhandled. Calls still reject.
      queue.on('error', (error) => this.log?.error(error, 'job queue error'));
      return queue;
    });
    this.queue.catch(() => {
      this.queue = undefined; // let the next call try again
    });
    return this.queue;
  }

  /** Job completion events, for `jobs.wait`. */
  queueEvents(): Promise<QueueEvents> {
    this.events ??= (async () => {
      const { blocking } = await this.stores();
      this.eventsConnection = blocking();
      const events = new QueueEvents(JOB_QUEUE, {
        connection: this.eventsConnection,
        prefix: this.prefix,
      });
      await events.waitUntilReady();
      return events;
    })();
    return this.events;
  }

  /** Fallback workers that beat lately (worker-heartbeat.ts). */
  async liveWorkers(): Promise<{ id: string; lastBeatAt: number }[]> {
    const { redis, keys } = await this.stores();
    return liveWorkers(redis, keys.workerHeartbeats());
  }

  async close(): Promise<void> {
    const events = await this.events?.catch(() => undefined);
    await events?.close();
    this.eventsConnection?.disconnect();
    await (await this.queue?.catch(() => undefined))?.close();
  }
}
