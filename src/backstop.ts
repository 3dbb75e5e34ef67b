import type { Redis } from 'ioredis';
import { noSuchCache } from './cache/cache-definition.js';
import { AppApi } from './client/app-api.js';
import { CacheApi } from './client/cache-api.js';
import { CodeRegistry } from './client/code-registry.js';
import { FallbackApi } from './client/fallback-api.js';
import { FeaturesApi, nestedContextOf } from './client/features-api.js';
import { HealthApi } from './client/health-api.js';
import type { Internals } from './client/internals.js';
import { JobsApi } from './client/jobs-api.js';
import { backstopOptionsSchema } from './client/options-schema.js';
import { FallbackProcessor } from './client/processor-api.js';
import { RedisRuntime } from './client/runtime.js';
import { SchedulesApi } from './client/schedules-api.js';
import { SessionApi } from './client/session-api.js';
import { type Config, loadConfig } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { tagSchema } from './core/definition/common-schema.js';
import type { CompileContext } from './core/definition/compile-context.js';
import type { CircuitPolicy } from './core/health/circuit.js';
import type { HealthView } from './core/health-view.js';
import type { Logger } from './core/logger.js';
import { ValidationError } from './core/validation-error.js';
import { parseOrThrow } from './core/zod-issues.js';
import { HealthRuntime } from './health/health-runtime.js';
import { createLogger, scrubsItsLines } from './logger.js';
import { BackstopWorker } from './queue/backstop-worker.js';
import { startFallbackWorker, type WorkerOptions } from './queue/fallback-worker.js';
import type { JobRetention } from './queue/job-options.js';
import type { ProcessorDeps } from './queue/processor.js';
import { Producer } from './queue/producer.js';
import { type FallbackQueue, QueueRuntime } from './queue/queues.js';
import { registerConfigSecrets } from './security/config-secrets.js';
import { outboundFetch } from './security/outbound-fetch.js';
import { type OutboundOptions, OutboundPolicy } from './security/outbound-policy.js';
import { redactingLogger } from './security/redacting-logger.js';
import { redactor } from './security/redactor.js';
import { SecretStore, type SecretValue } from './security/secret-store.js';
import { SessionRegistry } from './session/session-registry.js';
import { AppTargetAdapter } from './targets/app-target.js';
import { FeatureTargetAdapter } from './targets/feature-target.js';
import { type ActionHandler, HandlerRegistry } from './targets/handler-registry.js';
import { HttpAppTarget } from './targets/http-target.js';
import { TargetRegistry } from './targets/target-registry.js';
import { WorkflowTargetAdapter } from './targets/workflow-target.js';

export interface BackstopOptions {
  /** A Redis URL or client. Default: `REDIS_URL`, else a private `redis-server` for this process. */
  redis?: string | Redis | undefined;
  /** Default product for calls that do not name one (seed 001 `product.init`). */
  product?: string | undefined;
  /** Default env for runs that do not name one. */
  env?: string | undefined;
  /** What the engine asks before calling a provider with a healthcheck. */
  health?: HealthView;
  logger?: Logger;
  /** Key prefix in Redis; keep the `{…}` hash tag for Redis Cluster. */
  prefix?: string;
  /**
   * Passive health: `threshold` consecutive live failures of a provider open its circuit for
   * `cooldownMs` (default 5 and 30 s, or BACKSTOP_CIRCUIT_THRESHOLD / _COOLDOWN_MS); `false` turns it off.
   */
  circuit?: { threshold?: number; cooldownMs?: number } | false;
  /** Injected time, for tests. */
  clock?: Clock;
  /** Environment to read configuration from (default `process.env`). */
  processEnv?: NodeJS.ProcessEnv;
  /**
   * Secrets `$Secret{NAME}` may read, besides those declared in the environment (BACKSTOP_SECRETS,
   * BACKSTOP_SECRET_<NAME>): a value, or a function read at each call (a rotating key). Nothing
   * else is readable: not Backstop's configuration, not other variables.
   */
  secrets?: Record<string, SecretValue>;
  /** Where apps, URL healthchecks and JWKS URLs may call (default: BACKSTOP_OUTBOUND_ALLOW / _LOOPBACK). */
  outbound?: OutboundOptions;
}

/** The entry point: `new Backstop({ redis, product, env })`. */
export class Backstop {
  readonly fallback: FallbackApi;
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
  /** Features: steps of actions, fallbacks and features, run in order (seed 001). */
  readonly features: FeaturesApi;
  /** Seed 000: `processor.fallback.run({ env, product_tag, fallback_tag, action, input, session, cache })`. */
  readonly processor: { fallback: FallbackProcessor };
  readonly product: { init(tag: string): void };
  /** The health view runs consult; an in-memory one unless you pass your own. */
  readonly healthView: HealthView;
  /** What the operator allows (BACKSTOP_MAX_JSON_DEPTH, BACKSTOP_MIN_SCHEDULE_INTERVAL_MS): the API applies them too. */
  readonly limits: Readonly<{ maxJsonDepth: number; minScheduleIntervalMs: number }>;
  readonly logger: Logger;
  private readonly internals: Internals;
  private readonly queues: QueueRuntime;
  private readonly workers = new Set<BackstopWorker>();
  private readonly healthRuntime: HealthRuntime;
  private readonly openSession: ProcessorDeps['openSession'];

  constructor(options: BackstopOptions = {}) {
    parseOrThrow(backstopOptionsSchema, options, 'invalid Backstop options');
    const env = options.processEnv ?? process.env;
    const config: Config = loadConfig(env);
    const settings = options.prefix ? { ...config, BACKSTOP_PREFIX: options.prefix } : config;
    registerConfigSecrets(config, redactor);
    const logger =
      options.logger === undefined
        ? createLogger(config.LOG_LEVEL)
        : scrubsItsLines(options.logger)
          ? options.logger
          : redactingLogger(options.logger, redactor);
    const secrets = SecretStore.create(config, env, options.secrets, redactor, logger);
    const compile: CompileContext = { secrets, maxJsonDepth: config.BACKSTOP_MAX_JSON_DEPTH };
    const outbound = OutboundPolicy.from(config, options.outbound);
    const fetch = outboundFetch(outbound);
    const healthRuntime = new HealthRuntime(
      settings.BACKSTOP_PREFIX,
      logger,
      circuitPolicy(options.circuit, settings),
      fetch,
    );
    const health = options.health ?? healthRuntime.view;
    const handlers = new HandlerRegistry();
    const clock = options.clock ?? systemClock;
    const sessions = new SessionRegistry(
      clock,
      config.BACKSTOP_SESSION_KEY,
      async () => {
        const stores = await runtime.get();
        return { redis: stores.redis, key: stores.keys.sessionSealKey() };
      },
      { policy: outbound, fetch },
    );
    const targets = new TargetRegistry();
    const runtime = new RedisRuntime(options.redis, settings, logger, options.clock, compile);
    runtime.hook(
      (stores) => healthRuntime.start(stores),
      () => healthRuntime.stop(),
    );
    this.healthRuntime = healthRuntime;
    this.internals = {
      config: settings,
      logger,
      health,
      code: new CodeRegistry(),
      handlers,
      targets,
      runtime,
      healthRuntime,
      engine: { clock, health, targets, logger },
      sessions,
      compile,
      outbound,
      defaults: {
        env: options.env ?? config.BACKSTOP_ENV,
        product: options.product ?? config.BACKSTOP_PRODUCT,
      },
    };
    this.queues = new QueueRuntime(() => runtime.get(), settings.BACKSTOP_PREFIX, retentionOf(settings));
    const producer = new Producer(this.queues, {
      defaults: this.internals.defaults,
      minScheduleIntervalMs: config.BACKSTOP_MIN_SCHEDULE_INTERVAL_MS,
      resolve: (product, tag, kind) =>
        kind === 'feature' ? this.features.resolve(product, tag) : this.fallback.resolve(product, tag),
      sealSession: (session, associated) => sessions.verifyAndSeal(session, associated),
      checkCache: async (tag) =>
        void (await this.cache.fetch(tag).catch(() => {
          throw noSuchCache(tag);
        })),
    });
    this.openSession = (sealed, associated) => sessions.openAndVerify(sealed, associated);
    this.fallback = new FallbackApi(this.internals, producer);
    this.features = new FeaturesApi(this.internals, this.fallback, producer);
    this.session = new SessionApi(sessions);
    this.cache = new CacheApi(this.internals);
    this.processor = { fallback: new FallbackProcessor(this.internals, this.fallback) };
    this.jobs = new JobsApi(this.queues);
    this.schedules = new SchedulesApi(this.queues);
    this.health = new HealthApi(this.internals, healthRuntime);
    this.app = new AppApi(this.internals);
    const http = new HttpAppTarget(async (tag) => (await runtime.get()).apps.compiled(tag), fetch, redactor);
    targets.register('app', new AppTargetAdapter(handlers, http));
    targets.register('handler', { call: async (target, request, ctx) => target.fn(request, ctx) });
    // Nested chains and features run through the same calls feature steps use.
    targets.register(
      'workflow',
      new WorkflowTargetAdapter(
        async (tag, input, ctx) =>
          (await this.features.deps.runFallback(tag, input, nestedContextOf(ctx))).result,
      ),
    );
    targets.register(
      'feature',
      new FeatureTargetAdapter(
        async (tag, input, ctx) =>
          (await this.features.deps.runFeature(tag, input, nestedContextOf(ctx))).output,
      ),
    );
    this.handlers = {
      register: (app, action, handler) => handlers.register(app, action, handler),
      unregister: (app, action) => handlers.unregister(app, action),
    };
    this.targets = { register: targets.register.bind(targets), has: targets.has.bind(targets) };
    this.product = {
      init: (tag: string) => {
        if (!tagSchema.safeParse(tag).success)
          throw ValidationError.field('product', 'expected a product tag');
        this.internals.defaults.product = tag;
      },
    };
    this.healthView = health;
    this.logger = logger;
    this.limits = Object.freeze({
      maxJsonDepth: config.BACKSTOP_MAX_JSON_DEPTH,
      minScheduleIntervalMs: config.BACKSTOP_MIN_SCHEDULE_INTERVAL_MS,
    });
  }

  /**
   * Starts workers in this process, with this Backstop's definitions, handlers and targets: one for
   * dispatched fallback jobs and one for healthcheck probes (`healthchecks: false` to leave probes
   * to healthcheck worker processes). `close()` on the handle (or on the Backstop) stops them.
   */
  async worker(
    options: WorkerOptions & { fallbacks?: boolean; healthchecks?: boolean; healthConcurrency?: number } = {},
  ): Promise<BackstopWorker> {
    const { fallbacks = true, healthchecks = true, healthConcurrency, ...fallbackOptions } = options;
    const stores = await this.internals.runtime.get();
    const fallbackWorker = fallbacks
      ? await startFallbackWorker(
          {
            engine: this.internals.engine,
            resolve: (product, tag) => this.fallback.resolve(product, tag),
            logger: this.logger,
            openSession: this.openSession,
            results: async () => (await this.internals.runtime.get()).results,
            features: {
              resolve: (product, tag) => this.features.resolve(product, tag),
              deps: this.features.deps,
            },
          },
          stores.blocking(),
          this.internals.config.BACKSTOP_PREFIX,
          retentionOf(this.internals.config),
          fallbackOptions,
        )
      : undefined;
    const healthWorker = healthchecks
      ? await this.healthRuntime.startWorker(stores.blocking(), this.internals.targets, healthConcurrency)
      : undefined;
    const worker = new BackstopWorker(fallbackWorker, healthWorker, () => this.workers.delete(worker));
    this.workers.add(worker);
    return worker;
  }

  /** The Redis connection definitions and state use (connecting on first use), for probes such as readiness. */
  async redis(): Promise<Redis> {
    return (await this.internals.runtime.get()).redis;
  }

  /** The BullMQ queue of dispatched fallback jobs, for inspection (depths, workers, dashboards). */
  fallbackQueue(): Promise<FallbackQueue> {
    return this.queues.fallbackQueue();
  }

  /**
   * Stops what this Backstop started, in reverse order: workers (gracefully), the queue, the Redis
   * connection, and the embedded redis-server if this process started one.
   */
  async close(): Promise<void> {
    for (const worker of [...this.workers].reverse()) await worker.close();
    await this.queues.close();
    await this.internals.runtime.close();
  }
}

function retentionOf(config: Config): JobRetention {
  return {
    completedAge: config.BACKSTOP_KEEP_COMPLETED_SECONDS,
    completedCount: config.BACKSTOP_KEEP_COMPLETED_COUNT,
    failedAge: config.BACKSTOP_KEEP_FAILED_SECONDS,
    failedCount: config.BACKSTOP_KEEP_FAILED_COUNT,
  };
}

/** A threshold of 0 (or `circuit: false`) means live failures never open a circuit. */
function circuitPolicy(option: BackstopOptions['circuit'], config: Config): CircuitPolicy {
  if (option === false)
    return { threshold: Number.POSITIVE_INFINITY, cooldownMs: config.BACKSTOP_CIRCUIT_COOLDOWN_MS };
  const threshold = option?.threshold ?? config.BACKSTOP_CIRCUIT_THRESHOLD;
  return {
    threshold: threshold > 0 ? threshold : Number.POSITIVE_INFINITY,
    cooldownMs: option?.cooldownMs ?? config.BACKSTOP_CIRCUIT_COOLDOWN_MS,
  };
}
