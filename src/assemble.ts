import type { Redis } from 'ioredis';
import { Caches } from './cache/caches.js';
import { backstopOptionsSchema } from './client/options-schema.js';
import { type Config, loadConfig } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { Defaults } from './core/defaults.js';
import { EventBus } from './core/event-bus.js';
import type { CircuitPolicy } from './core/health/circuit.js';
import type { HealthView } from './core/health-view.js';
import type { Logger } from './core/logger.js';
import type { EngineDeps } from './core/run-chain.js';
import { parseOrThrow } from './core/zod-issues.js';
import { CodeRegistry } from './definitions/code-registry.js';
import { DefinitionResolver } from './definitions/definition-resolver.js';
import { FallbackCatalog } from './definitions/fallback-catalog.js';
import { HealthMonitor } from './health/health-monitor.js';
import { createLogger } from './logger.js';
import type { JobRetention } from './queue/job-options.js';
import { JobQueues } from './queue/job-queues.js';
import { Producer } from './queue/producer.js';
import { nestedContextOf } from './runs/nested-runs.js';
import { Runs } from './runs/runs.js';
import { SessionRegistry } from './session/session-registry.js';
import { RedisStores } from './store/redis-stores.js';
import { HandlerRegistry } from './targets/handler-registry.js';
import { registerBuiltInTargets } from './targets/register-targets.js';
import { TargetRegistry } from './targets/target-registry.js';

export interface BackstopOptions {
  /** A Redis URL or client. Default: `REDIS_URL`, else a private `redis-server` for this process. */
  redis?: string | Redis | undefined;
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
   * Passive health: `threshold` consecutive live failures of a provider open its circuit for
   * `cooldownMs` (default 5 and 30 s, or BACKSTOP_CIRCUIT_THRESHOLD / _COOLDOWN_MS); `false` turns it off.
   */
  circuit?: { threshold?: number; cooldownMs?: number } | false;
  /** Injected time, for tests. */
  clock?: Clock;
  /** Environment to read configuration from (default `process.env`). */
  processEnv?: NodeJS.ProcessEnv;
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
  engine: EngineDeps;
  runs: Runs;
  catalog: FallbackCatalog;
  queues: JobQueues;
  producer: Producer;
  retention: JobRetention;
}

export function assemble(options: BackstopOptions): BackstopParts {
  parseOrThrow(backstopOptionsSchema, options, 'invalid Backstop options');
  const env = loadConfig(options.processEnv ?? process.env);
  const config = options.prefix ? { ...env, BACKSTOP_PREFIX: options.prefix } : env;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const defaults = new Defaults(
    options.product ?? config.BACKSTOP_PRODUCT,
    options.env ?? config.BACKSTOP_ENV,
  );
  const stores = new RedisStores(options.redis, config, logger);
  const code = new CodeRegistry();
  const definitions = new DefinitionResolver(code, stores);
  const monitor = new HealthMonitor({
    stores,
    prefix: config.BACKSTOP_PREFIX,
    logger,
    clock,
    policy: circuitPolicy(options.circuit, config),
    healthchecks: (product, tag) => definitions.healthcheck(product, tag),
  });
  const healthView = options.health ?? monitor.view;
  const sessions = new SessionRegistry(clock, config.BACKSTOP_SESSION_KEY, async () => {
    const { redis, keys } = await stores.get();
    return { redis, key: keys.sessionSealKey() };
  });
  const caches = new Caches(stores, clock, logger);
  const handlers = new HandlerRegistry();
  const targets = new TargetRegistry();
  const events = new EventBus((error, event) =>
    logger.warn({ err: error, event: event.type }, 'an engine event listener threw; the run goes on'),
  );
  const engine: EngineDeps = { clock, health: healthView, targets, logger, events };
  const runs = new Runs({ engine, definitions, sessions, caches, stores, defaults, logger });
  registerBuiltInTargets(targets, {
    stores,
    handlers,
    clock,
    runFallback: async (tag, input, ctx) =>
      (await runs.nested.runFallback(tag, input, nestedContextOf(ctx))).result,
    runFeature: async (tag, input, ctx) =>
      (await runs.nested.runFeature(tag, input, nestedContextOf(ctx))).output,
  });
  const catalog = new FallbackCatalog({ code, stores, definitions, health: monitor, healthView, defaults });
  const retention = retentionOf(config);
  const queues = new JobQueues(() => stores.get(), config.BACKSTOP_PREFIX, retention, logger);
  const producer = new Producer(queues, { definitions, sessions, caches, defaults, clock });
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
    engine,
    runs,
    catalog,
    queues,
    producer,
    retention,
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
