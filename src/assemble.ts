import type { BackstopOptions } from './backstop-options.js';
import { Caches } from './cache/caches.js';
import { backstopOptionsSchema } from './client/options-schema.js';
import { type Config, loadConfig } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { Defaults } from './core/defaults.js';
import type { CompileContext } from './core/definition/compile-context.js';
import { EventBus } from './core/event-bus.js';
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
import { nestedContextOf } from './runs/nested-runs.js';
import { Runs } from './runs/runs.js';
import { registerConfigSecrets } from './security/config-secrets.js';
import { outboundFetch } from './security/outbound-fetch.js';
import { OutboundPolicy } from './security/outbound-policy.js';
import { redactingLogger } from './security/redacting-logger.js';
import { redactor } from './security/redactor.js';
import { SecretStore } from './security/secret-store.js';
import { SessionRegistry } from './session/session-registry.js';
import { Broadcast } from './store/broadcast.js';
import { QuotaUses } from './store/quota-uses.js';
import { RedisRateLimiter } from './store/redis-rate-limiter.js';
import { RedisStores } from './store/redis-stores.js';
import { HandlerRegistry } from './targets/handler-registry.js';
import { registerBuiltInTargets } from './targets/register-targets.js';
import { TargetRegistry } from './targets/target-registry.js';

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
