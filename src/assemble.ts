import { Caches } from './cache/caches.js';
import { backstopOptionsSchema } from './client/options-schema.js';
import { type Config, loadConfig } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { Defaults } from './core/defaults.js';
import type { CompileContext } from './core/definition/compile-context.js';
import { EventBus } from './core/event-bus.js';
import type { HealthSettings } from './core/health/health-policy-schema.js';
import type { HealthView } from './core/health-view.js';
import type { Logger } from './core/logger.js';
import type { EngineDeps } from './core/run-chain.js';
import { parseOrThrow } from './core/zod-issues.js';
import { QUOTA_KIND } from './definitions/chain-kind.js';
import { CodeRegistry } from './definitions/code-registry.js';
import { DefinitionResolver } from './definitions/definition-resolver.js';
import { FallbackCatalog } from './definitions/fallback-catalog.js';
import { ReferenceCheck } from './definitions/reference-check.js';
import { DrillBoard } from './health/drill-board.js';
import { HealthAlerts } from './health/health-alerts.js';
import { HealthMonitor } from './health/health-monitor.js';
import { processHealthPolicy } from './health/process-health-policy.js';
import { createLogger, scrubsItsLines } from './logger.js';
import { queueTelemetry } from './observability/queue-telemetry.js';
import { Tracing } from './observability/tracing.js';
import type { JobRetention } from './queue/job-options.js';
import { JobQueues } from './queue/job-queues.js';
import { Producer } from './queue/producer.js';
import type { RedisClient } from './redis/redis-client.js';
import { nestedContextOf } from './runs/nested-runs.js';
import { Runs } from './runs/runs.js';
import { registerConfigSecrets } from './security/config-secrets.js';
import { outboundFetch } from './security/outbound-fetch.js';
import { type OutboundOptions, OutboundPolicy } from './security/outbound-policy.js';
import { redactingLogger } from './security/redacting-logger.js';
import { redactor } from './security/redactor.js';
import { SecretStore, type SecretValue } from './security/secret-store.js';
import { SessionRegistry } from './session/session-registry.js';
import { Broadcast } from './store/broadcast.js';
import { QuotaUses } from './store/quota-uses.js';
import { RedisRateLimiter } from './store/redis-rate-limiter.js';
import { RedisStores } from './store/redis-stores.js';
import { HandlerRegistry } from './targets/handler-registry.js';
import { registerBuiltInTargets } from './targets/register-targets.js';
import { TargetRegistry } from './targets/target-registry.js';

export interface BackstopOptions {
  /** A Redis URL or client. Default: `REDIS_URL`, else a private `redis-server` for this process. */
  redis?: string | RedisClient | undefined;
  /** Default product for calls that do not name one (as `product.init(tag)` sets it). */
  product?: string | undefined;
  /** Default env for runs that do not name one. */
  env?: string | undefined;
  /** What the engine asks before calling a provider with a healthcheck. */
  health?: HealthView;
  logger?: Logger;
  /** Key prefix in Redis; keep the `{…}` hash tag for Redis Cluster. */
  prefix?: string;
  /**
   * Health settings of this process (README, "Healthchecks": ejection rules, ejection time, trial
   * calls, slow start, Retry-After, auth failures); chains and options override them with `health`.
   */
  healthPolicy?: HealthSettings | undefined;
  /**
   * Shorthand for two of them: `threshold` consecutive live failures eject a provider for
   * `cooldownMs` at first (`consecutiveFailures`, `ejection.baseMs`; default 5 and 5 s, or
   * BACKSTOP_CIRCUIT_THRESHOLD / _COOLDOWN_MS). `false` (or a threshold of 0) ignores live traffic.
   */
  circuit?: { threshold?: number; cooldownMs?: number } | false;
  /**
   * Refuse definitions that name an app, action, healthcheck, chain or feature that does not exist
   * (default true, or BACKSTOP_CHECK_REFERENCES); `false` allows forward references, logging each.
   */
  checkReferences?: boolean;
  /** Injected time, for tests. */
  clock?: Clock;
  /**
   * The engine's random source, a function returning [0, 1) (default Math.random): a quota's
   * weighted picks, backoff jitter and the panic share draw from it. A seeded one makes them
   * repeatable in tests.
   */
  random?: () => number;
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
  /**
   * Record runs, attempts and job lateness in `backstop.metrics` (default true, or BACKSTOP_METRICS).
   * `false` leaves only the gauges read at scrape time (queue, provider state).
   */
  metrics?: boolean;
  /**
   * The runs view (`backstop.recentRuns`, the dashboard's `/dashboard/runs`): how many top-level
   * runs each product keeps in Redis and for how long (default BACKSTOP_RECENT_RUNS, 1000, and
   * BACKSTOP_RECENT_RUNS_WINDOW_MS, a day); `false` writes none from this process.
   */
  recentRuns?: { max?: number; windowMs?: number } | false;
}

/** The parts of a Backstop, each named, made in the order they depend on one another. */
export interface BackstopParts {
  config: Config;
  logger: Logger;
  clock: Clock;
  defaults: Defaults;
  stores: RedisStores;
  code: CodeRegistry;
  definitions: DefinitionResolver;
  monitor: HealthMonitor;
  healthView: HealthView;
  sessions: SessionRegistry;
  caches: Caches;
  handlers: HandlerRegistry;
  targets: TargetRegistry;
  events: EventBus;
  /** Spans of runs and attempts, once the application registered a tracer provider. */
  tracing: Tracing;
  engine: EngineDeps;
  runs: Runs;
  catalog: FallbackCatalog;
  /** Quota definitions: the same catalog, of the quota kind. */
  quotaCatalog: FallbackCatalog;
  /** Which provider served each quota run, counted across processes. */
  quotaUses: QuotaUses;
  /** Failover drills in force, seen by every connected process. */
  drills: DrillBoard;
  references: ReferenceCheck;
  queues: JobQueues;
  producer: Producer;
  retention: JobRetention;
  /** Declared secrets and the JSON depth limit, for compiling definitions. */
  compile: CompileContext;
  /** Where apps, URL healthchecks and JWKS URLs may call. */
  outbound: OutboundPolicy;
}

export function assemble(options: BackstopOptions): BackstopParts {
  parseOrThrow(backstopOptionsSchema, options, 'invalid Backstop options');
  const processEnv = options.processEnv ?? process.env;
  const env = loadConfig(processEnv);
  const config = options.prefix ? { ...env, BACKSTOP_PREFIX: options.prefix } : env;
  // Security first: what must be redacted is known before anything can log it.
  registerConfigSecrets(config, redactor);
  const logger =
    options.logger === undefined
      ? createLogger(config.LOG_LEVEL)
      : scrubsItsLines(options.logger)
        ? options.logger
        : redactingLogger(options.logger, redactor);
  const secrets = SecretStore.create(config, processEnv, options.secrets, redactor, logger);
  const compile: CompileContext = {
    secrets,
    maxJsonDepth: config.BACKSTOP_MAX_JSON_DEPTH,
    sensitive: (value) => redactor.add(value),
  };
  const outbound = OutboundPolicy.from(config, options.outbound);
  const fetch = outboundFetch(outbound);
  const clock = options.clock ?? systemClock;
  const defaults = new Defaults(
    options.product ?? config.BACKSTOP_PRODUCT,
    options.env ?? config.BACKSTOP_ENV,
  );
  const stores = new RedisStores(options.redis, config, logger, compile);
  const code = new CodeRegistry();
  const definitions = new DefinitionResolver(code, stores);
  const events = new EventBus((error, event) =>
    logger.warn(
      { code: 'BACKSTOP_LISTENER_FAILED', err: error, event: event.type },
      'an engine event listener threw; the run goes on',
    ),
  );
  const broadcast = new Broadcast(stores);
  const alerts = new HealthAlerts({
    stores,
    broadcast,
    clock,
    logger,
    healthchecks: (product, tag) => definitions.healthcheck(product, tag),
    fetch: (url, init) => fetch(url, init),
    secret: config.BACKSTOP_ALERT_SECRET,
    events,
  });
  const monitor = new HealthMonitor({
    onStateWritten: (product, env, key, before, after) => alerts.written(product, env, key, before, after),
    stores,
    prefix: config.BACKSTOP_PREFIX,
    logger,
    clock,
    policy: processHealthPolicy(options, config),
    healthchecks: (product, tag) => definitions.healthcheck(product, tag),
    fetch,
    events,
    telemetry: queueTelemetry,
  });
  const healthView = options.health ?? monitor.view;
  const sessions = new SessionRegistry(
    clock,
    config.BACKSTOP_SESSION_KEY,
    async () => {
      const { redis, keys } = await stores.get();
      return { redis, key: keys.sessionSealKey() };
    },
    { policy: outbound, fetch },
  );
  const caches = new Caches(stores, clock, logger);
  const handlers = new HandlerRegistry();
  const targets = new TargetRegistry();
  const rateLimits = new RedisRateLimiter(() => stores.get());
  const engine: EngineDeps = { clock, health: healthView, targets, logger, events, rateLimits };
  if (options.random) engine.random = options.random;
  const drills = new DrillBoard(stores, broadcast, clock, defaults, logger);
  engine.drills = drills;
  const quotaUses = new QuotaUses(stores, logger);
  const tracing = new Tracing(events);
  const runs = new Runs({ engine, definitions, sessions, caches, stores, defaults, logger, quotaUses });
  registerBuiltInTargets(targets, {
    stores,
    handlers,
    clock,
    fetch,
    redactor,
    rateLimits,
    runFallback: async (tag, input, ctx) =>
      (await runs.nested.runFallback(tag, input, nestedContextOf(ctx))).result,
    runFeature: async (tag, input, ctx) =>
      (await runs.nested.runFeature(tag, input, nestedContextOf(ctx))).output,
    propagate: (ctx) => tracing.headers(ctx),
  });
  const strict = options.checkReferences ?? config.BACKSTOP_CHECK_REFERENCES;
  const references = new ReferenceCheck(stores, code, handlers, strict, logger);
  const catalogDeps = {
    code,
    stores,
    definitions,
    health: monitor,
    healthView,
    defaults,
    references,
    compile,
  };
  const catalog = new FallbackCatalog(catalogDeps);
  const quotaCatalog = new FallbackCatalog(catalogDeps, QUOTA_KIND);
  const retention = retentionOf(config);
  const queues = new JobQueues(
    () => stores.get(),
    config.BACKSTOP_PREFIX,
    logger,
    queueTelemetry,
    config.BACKSTOP_JOB_FORMAT,
  );
  const producer = new Producer(queues, {
    definitions,
    sessions,
    caches,
    defaults,
    clock,
    minScheduleIntervalMs: config.BACKSTOP_MIN_SCHEDULE_INTERVAL_MS,
  });
  return {
    config,
    logger,
    clock,
    defaults,
    stores,
    code,
    definitions,
    monitor,
    healthView,
    sessions,
    caches,
    handlers,
    targets,
    events,
    tracing,
    engine,
    runs,
    catalog,
    quotaCatalog,
    quotaUses,
    drills,
    references,
    queues,
    producer,
    retention,
    compile,
    outbound,
  };
}

function retentionOf(config: Config): JobRetention {
  return {
    completedAge: config.BACKSTOP_KEEP_COMPLETED_SECONDS,
    completedCount: config.BACKSTOP_KEEP_COMPLETED_COUNT,
    failedAge: config.BACKSTOP_KEEP_FAILED_SECONDS,
    failedCount: config.BACKSTOP_KEEP_FAILED_COUNT,
  };
}
