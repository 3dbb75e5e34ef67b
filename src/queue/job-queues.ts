import { type Job, Queue, QueueEvents, type Telemetry } from 'bullmq';
import type { Logger } from '../core/logger.js';
import { ErrorLog } from '../redis/error-log.js';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Stores } from '../store/redis-stores.js';
import type { JobResult } from './job-data.js';
import { defaultJobOptions } from './job-options.js';
import { LeanQueue } from './lean-queue.js';
import { LEGACY_QUEUE, queueOfJobId } from './queue-names.js';
import { listJobQueues, queuePrefix } from './queue-registry.js';
import type { StoredJobData } from './stored-job-data.js';
import { liveWorkers } from './worker-heartbeat.js';

/**
 * A queue added to the set of queues and, when it is new there, announced to the workers that take
 * every queue, in one step. KEYS: the set. ARGV: the queue, the channel. → 1 when it was new. An add
 * sent again after a lost reply answers 0 and announces nothing, which is right: the run whose
 * reply was lost announced it. (Two commands, an add then a publish when it answered 1, lost the
 * announcement that way, and workers took the queue only when they restarted.)
 */
const ADD_QUEUE = `
if redis.call("SADD", KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call("PUBLISH", ARGV[2], ARGV[1])
return 1
`;
const addQueue = luaCommand<number>('backstopAddQueue', ADD_QUEUE);

/** Jobs hold their data as stored (jobDataOf reads it whole). */
export type JobQueue = Queue<StoredJobData, JobResult, string>;

/**
 * How dispatched jobs are stored. `compact`: `v: 2` data and lean options, which workers of this
 * release read whole. `full`: `v: 1` data and every option, as earlier releases stored them, which
 * their workers can run too (they fail `v: 2` data as invalid, and would give a job without
 * stored retry options a single attempt): for producers upgraded while older workers still run.
 */
export type JobFormat = 'compact' | 'full';

/**
 * The producer side of the named job queues, each made on first use. A Queue shares the store's
 * fail-fast connection (a dispatch must not hang while Redis is down); QueueEvents, which blocks,
 * gets its own. A queue used for the first time is added to the set of queues (and announced), so
 * workers that take every queue find it.
 */
export class JobQueues {
  private readonly queues = new Map<string, Promise<JobQueue>>();
  private readonly events = new Map<string, Promise<QueueEvents>>();
  private readonly eventConnections: RedisClient[] = [];
  private readonly log: ErrorLog | undefined;

  constructor(
    private readonly stores: () => Promise<Stores>,
    readonly prefix: string,
    logger?: Logger,
    /** BullMQ telemetry for each Queue when it is made (tracing), if any. */
    private readonly telemetry: () => Telemetry | undefined = () => undefined,
    readonly format: JobFormat = 'compact',
  ) {
    this.log = logger ? new ErrorLog(logger) : undefined;
  }

  /** Where a queue's keys live: its own hash tag, or the plain prefix for the queue of old releases. */
  async prefixOf(name: string): Promise<string> {
    return queuePrefix(this.prefix, name);
  }

  /** Made once per name: concurrent first callers share the same promise (and the one error listener). */
  jobQueue(name: string): Promise<JobQueue> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.stores().then(async ({ redis, keys }) => {
        const telemetry = this.telemetry();
        const options = {
          connection: redis,
          prefix: await this.prefixOf(name),
          defaultJobOptions: defaultJobOptions(),
          ...(telemetry ? { telemetry } : {}),
        };
        const made: JobQueue =
          this.format === 'full'
            ? new Queue<StoredJobData, JobResult, string>(name, options)
            : new LeanQueue<StoredJobData, JobResult, string>(name, options);
        // BullMQ re-emits connection errors; unheard, they print as unhandled. Calls still reject.
        made.on('error', (error) => this.log?.error(error, 'job queue error'));
        if (name !== LEGACY_QUEUE) await addQueue(redis, [keys.jobQueues()], [name, keys.jobQueueEvents()]);
        return made;
      });
      queue.catch(() => this.queues.delete(name)); // let the next call try again
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Every named queue there is, and the queue of old releases while it holds anything. */
  async names(): Promise<string[]> {
    const { redis } = await this.stores();
    return (await listJobQueues(redis, this.prefix)).map((q) => q.name);
  }

  async all(): Promise<JobQueue[]> {
    return Promise.all((await this.names()).map((name) => this.jobQueue(name)));
  }

  /**
   * The job with this id: in the queue its id names, else looked for in every queue (a custom id
   * may look like one of ours: `order.<21 letters>`). A queue an id names is looked in only when
   * it exists: opening one would add it to the set of queues, and workers would take it.
   */
  async find(id: string): Promise<Job<StoredJobData, JobResult> | undefined> {
    const named = queueOfJobId(id);
    // A queue this process has open exists: the common case costs no listing.
    const opened = named !== undefined && this.queues.has(named);
    if (opened) {
      const job = await (await this.jobQueue(named)).getJob(id);
      if (job) return job;
    }
    const names = await this.names();
    // The queue the id names first, when it exists, then every other one.
    const order = named && names.includes(named) ? [named, ...names.filter((n) => n !== named)] : names;
    for (const name of order) {
      if (opened && name === named) continue;
      const job = await (await this.jobQueue(name)).getJob(id);
      if (job) return job;
    }
    return undefined;
  }

  /** Job completion events of one queue, for `jobs.wait`. */
  queueEvents(name: string): Promise<QueueEvents> {
    let events = this.events.get(name);
    if (!events) {
      events = (async () => {
        const { blocking } = await this.stores();
        const connection = blocking();
        this.eventConnections.push(connection);
        const made = new QueueEvents(name, { connection, prefix: await this.prefixOf(name) });
        await made.waitUntilReady();
        return made;
      })();
      this.events.set(name, events);
    }
    return events;
  }

  /** Fallback workers that beat lately (worker-heartbeat.ts). */
  async liveWorkers(): Promise<{ id: string; lastBeatAt: number }[]> {
    const { redis, keys } = await this.stores();
    return liveWorkers(redis, keys.workerHeartbeats());
  }

  async close(): Promise<void> {
    for (const events of this.events.values()) await (await events.catch(() => undefined))?.close();
    for (const connection of this.eventConnections) connection.disconnect();
    for (const queue of this.queues.values()) await (await queue.catch(() => undefined))?.close();
  }
}
