import { assemble, type BackstopParts } from './assemble.js';
import type { BackstopOptions } from './backstop-options.js';
import { AppApi } from './client/app-api.js';
import { CacheApi } from './client/cache-api.js';
import { FallbackApi } from './client/fallback-api.js';
import { FeaturesApi } from './client/features-api.js';
import { HealthApi } from './client/health-api.js';
import { JobsApi } from './client/jobs-api.js';
import { OperatorApi } from './client/operator-api.js';
import { QuotaApi } from './client/quota-api.js';
import { SchedulesApi } from './client/schedules-api.js';
import { SessionApi } from './client/session-api.js';
import type { EngineEventType, EventOf } from './core/events.js';
import type { HealthView } from './core/health-view.js';
import type { Logger } from './core/logger.js';
import { BackstopMetrics } from './observability/backstop-metrics.js';
import { queueTelemetry } from './observability/queue-telemetry.js';
import { RecentRuns, recentRunsLimits } from './observability/recent-runs.js';
import { within } from './observability/within.js';
import { BackstopWorker } from './queue/backstop-worker.js';
import { batchJob } from './queue/batch-job.js';
import { fallbackJob } from './queue/fallback-job.js';
import { featureJob } from './queue/feature-job.js';
import type { JobQueue, JobQueues } from './queue/job-queues.js';
import { startJobWorker, type WorkerOptions, type WorkerQueues } from './queue/job-worker.js';
import { parseQueueList } from './queue/queue-names.js';
import type { RedisClient } from './redis/redis-client.js';
import { asRedisError, withRedisErrors } from './redis/redis-errors.js';
import type { Stores } from './store/redis-stores.js';
import type { ActionHandler } from './targets/handler-registry.js';
import type { TargetRegistry } from './targets/target-registry.js';

export type { BackstopOptions } from './backstop-options.js';

/**
 * The queues a worker takes: the ones named, or every queue there is, and each new one as soon as
 * a producer first uses it (announced on a channel the worker listens to before listing).
 */
function workerQueues(jobQueues: JobQueues, stores: Stores, names: string[] | undefined): WorkerQueues {
  if (names) return { list: async () => names, prefixOf: (name) => jobQueues.prefixOf(name) };
  return {
    list: () => jobQueues.names(),
    prefixOf: (name) => jobQueues.prefixOf(name),
    watch: async (add) => {
      const subscriber = stores.blocking();
      subscriber.on('message', (_channel: string, name: string) => add(name));
      await subscriber.subscribe(stores.keys.jobQueueEvents());
      return async () => subscriber.disconnect();
    },
  };
}

/** The entry point: `new Backstop({ redis, product, env })`. */
export class Backstop {
  readonly fallback: FallbackApi;
  /** Quotas: weighted distribution over providers, with the same targets and run machinery as fallbacks. */
  readonly quota: QuotaApi;
  readonly app: AppApi;
  /** Dispatched jobs: `get`, `wait`, `cancel`. */
  readonly jobs: JobsApi;
  /** Recurring dispatches: `list`, `remove`. */
  readonly schedules: SchedulesApi;
  /** Healthchecks, provider state and history. */
  readonly health: HealthApi;
  /** In-process targets: `handlers.register(app, action, async (request, ctx) => result)`. */
  readonly handlers: {
    register(app: string, action: string, handler: ActionHandler): void;
    unregister(app: string, action: string): boolean;
  };
  /** Adapters for database and notification targets (none are built in). */
  readonly targets: Pick<TargetRegistry, 'register' | 'has'>;
  /** Session types: `define`, `verify`, `sign`. Runs with `session: { tag, token }` verify it first. */
  readonly session: SessionApi;
  /** Result caches: `define({ tag, ttl })`; runs with `cache: tag` reuse stored results. */
  readonly cache: CacheApi;
  /** Features: steps of actions, fallbacks and features, run in order. */
  readonly features: FeaturesApi;
  /** The operator's API: `processor.fallback.run({ env, product_tag, fallback_tag, action, input, session, cache })`. */
  readonly processor: { fallback: OperatorApi };
  readonly product: { init(tag: string): void };
  /** The health view runs consult: provider state from Redis, unless you passed your own. */
  readonly healthView: HealthView;
  readonly logger: Logger;
  /** What the operator allows (BACKSTOP_MAX_JSON_DEPTH, BACKSTOP_MIN_SCHEDULE_INTERVAL_MS): the API applies them too. */
  readonly limits: Readonly<{ maxJsonDepth: number; minScheduleIntervalMs: number }>;
  /**
   * Prometheus metrics of what this process runs (library calls, its workers, the API it serves),
   * recorded from the engine's events: `await metrics.text()` is the exposition.
   */
  readonly metrics: BackstopMetrics;
  /**
   * The latest top-level runs of each product (library, HTTP and worker runs, from every process),
   * kept in Redis for the dashboard's runs view: `await recentRuns.list({ product })`.
   */
  readonly recentRuns: RecentRuns;
  readonly #parts: BackstopParts;
  readonly #workers = new Set<BackstopWorker>();

  constructor(options: BackstopOptions = {}) {
    const parts = assemble(options);
    this.#parts = parts;
    const { defaults, stores, runs, producer, catalog, handlers, targets } = parts;
    // Every call that fails because Redis is unreachable or full says so with our codes.
    this.fallback = withRedisErrors(new FallbackApi(catalog, runs, producer, defaults));
    this.quota = withRedisErrors(
      new QuotaApi({
        catalog: parts.quotaCatalog,
        runs,
        producer,
        defaults,
        uses: parts.quotaUses,
        healthView: parts.healthView,
        stores: parts.stores,
      }),
    );
    this.features = withRedisErrors(new FeaturesApi(stores, runs, producer, defaults, parts.references));
    this.app = withRedisErrors(new AppApi(stores, parts.outbound));
    this.jobs = withRedisErrors(new JobsApi(parts.queues));
    this.schedules = withRedisErrors(new SchedulesApi(parts.queues));
    this.health = withRedisErrors(new HealthApi(parts));
    this.session = withRedisErrors(new SessionApi(parts.sessions));
    this.cache = withRedisErrors(new CacheApi(parts.caches, defaults));
    this.processor = { fallback: withRedisErrors(new OperatorApi(parts)) };
    this.handlers = {
      register: (app, action, handler) => handlers.register(app, action, handler),
      unregister: (app, action) => handlers.unregister(app, action),
    };
    this.targets = { register: targets.register.bind(targets), has: targets.has.bind(targets) };
    this.product = { init: (tag: string) => defaults.setProduct(tag) };
    this.healthView = parts.healthView;
    this.metrics = new BackstopMetrics({
      events: parts.events,
      tracked: () => this.health.tracked(),
      readQueue: () => within(this.#readQueue(), 2_000, 'Redis'),
      recordRuns: options.metrics ?? parts.config.BACKSTOP_METRICS,
    });
    const limits = recentRunsLimits(options.recentRuns, {
      max: parts.config.BACKSTOP_RECENT_RUNS,
      windowMs: parts.config.BACKSTOP_RECENT_RUNS_WINDOW_MS,
    });
    this.recentRuns = new RecentRuns(
      parts.events,
      () => parts.stores.get(),
      () => parts.stores.connected,
      parts.logger,
      limits,
    );
    this.logger = parts.logger;
    this.limits = Object.freeze({
      maxJsonDepth: parts.config.BACKSTOP_MAX_JSON_DEPTH,
      minScheduleIntervalMs: parts.config.BACKSTOP_MIN_SCHEDULE_INTERVAL_MS,
    });
  }

  /**
   * Listens to what runs do, in this process: `run.started`, `run.ended`, `attempt.started`,
   * `attempt.ended`, `provider.skipped`, `failover`, `health.changed`. Returns the function that
   * stops listening. A listener that throws is logged and never disturbs the run.
   */
  on<T extends EngineEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    return this.#parts.events.on(type, listener);
  }

  /**
   * Starts workers in this process, with this Backstop's definitions, handlers and targets: one for
   * dispatched jobs and one for healthcheck probes (`healthchecks: false` to leave probes to
   * healthcheck worker processes). `close()` on the handle (or on the Backstop) stops them.
   */
  async worker(
    options: WorkerOptions & {
      fallbacks?: boolean;
      healthchecks?: boolean;
      healthConcurrency?: number;
      /** Take jobs from these named queues only (`['payments', 'sms']`); every queue by default. */
      queues?: string[];
    } = {},
  ): Promise<BackstopWorker> {
    const { fallbacks = true, healthchecks = true, healthConcurrency, queues, ...jobOptions } = options;
    if (queues !== undefined) parseQueueList(Array.isArray(queues) ? queues.join(',') : '', 'queues');
    const parts = this.#parts;
    const stores = await parts.stores.get().catch((error) => Promise.reject(asRedisError(error)));
    const { definitions, engine, caches, runs, sessions } = parts;
    // A worker process may register its tracer provider after the Backstop was made.
    parts.tracing.refresh();
    const jobWorker = fallbacks
      ? await startJobWorker(
          {
            strategies: {
              fallback: fallbackJob({ engine, definitions, caches }),
              quota: fallbackJob({ engine, definitions, caches, quotaUses: parts.quotaUses }, 'quota'),
              batch: batchJob({ engine, definitions }),
              feature: featureJob({ definitions, nested: runs.nested }),
            },
            openSession: (sealed, associated) => sessions.openAndVerify(sealed, associated),
            knownTags: (product, kind) => definitions.tags(product, kind === 'batch' ? 'fallback' : kind),
            logger: parts.logger,
            events: parts.events,
          },
          stores.blocking(),
          workerQueues(parts.queues, stores, queues),
          stores.keys.workerHeartbeats(),
          parts.retention,
          jobOptions,
          { telemetry: queueTelemetry() },
        )
      : undefined;
    const healthWorker = healthchecks
      ? await parts.monitor.startWorker(stores.blocking(), parts.targets, healthConcurrency)
      : undefined;
    const worker = new BackstopWorker(jobWorker, healthWorker, () => this.#workers.delete(worker));
    this.#workers.add(worker);
    return worker;
  }

  /** The Redis connection definitions and state use (connecting on first use), for probes such as readiness. */
  async redis(): Promise<RedisClient> {
    try {
      return (await this.#parts.stores.get()).redis;
    } catch (error) {
      throw asRedisError(error);
    }
  }

  /**
   * One named BullMQ queue of dispatched jobs, for inspection (depths, dashboards): `name`, else the
   * default product's queue (each product's jobs go to a queue named after it unless its
   * definitions name another `queue`).
   */
  jobQueue(name?: string): Promise<JobQueue> {
    const queue = name ?? this.#parts.defaults.requireProduct(undefined);
    return this.#parts.queues.jobQueue(queue).catch((error) => Promise.reject(asRedisError(error)));
  }

  /** Every named job queue there is (and the queue of releases before named queues, while it holds jobs). */
  jobQueues(): Promise<JobQueue[]> {
    return this.#parts.queues.all().catch((error) => Promise.reject(asRedisError(error)));
  }

  async #readQueue() {
    // Summed over every named queue.
    const queues = await this.jobQueues();
    const [all, workers] = await Promise.all([
      Promise.all(queues.map((q) => q.getJobCounts('waiting', 'delayed', 'active', 'failed'))),
      this.jobs.workers(),
    ]);
    const sum = (state: string) => all.reduce((total, counts) => total + (counts[state] ?? 0), 0);
    const depths = {
      waiting: sum('waiting'),
      delayed: sum('delayed'),
      active: sum('active'),
      failed: sum('failed'),
    };
    return { depths, workers: workers.length };
  }

  /**
   * Stops what this Backstop started, in reverse order: workers (gracefully), the queue, the Redis
   * connection, and the embedded redis-server if this process started one.
   */
  async close(): Promise<void> {
    for (const worker of [...this.#workers].reverse()) await worker.close();
    await this.#parts.queues.close();
    // Before the stores close: the runs still waiting to be written need their connection.
    await this.recentRuns.stop();
    await this.#parts.stores.close();
    this.metrics.stop();
    this.#parts.tracing.stop();
  }
}
