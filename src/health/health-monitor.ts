import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProviderSpec } from '../core/chain.js';
import type { Clock } from '../core/clock.js';
import { type CircuitPolicy, DEFAULT_CIRCUIT } from '../core/health/circuit.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import type { Logger } from '../core/logger.js';
import type { TargetResolver } from '../core/target.js';
import { guardWorker } from '../redis/worker-guard.js';
import type { HealthcheckStore } from '../store/healthcheck-store.js';
import type { Keys } from '../store/keys.js';
import type { RedisStores, Stores } from '../store/redis-stores.js';
import { CircuitStore } from './circuit-store.js';
import { HealthSnapshot } from './health-snapshot.js';
import { type HealthcheckLookup, healthcheckProcessor } from './healthcheck-processor.js';
import {
  HEALTHCHECK_QUEUE,
  type ProbeJobData,
  removeProbeSchedulers,
  upsertProbeSchedulers,
} from './healthcheck-scheduler.js';
import { DEFAULT_HISTORY, HistoryRecorder } from './history.js';
import { ProbeStore } from './probe-store.js';
import { RedisHealthView } from './redis-health-view.js';

/** Provider state in Redis and the probe queue, once connected. */
export interface HealthParts {
  redis: Redis;
  keys: Keys;
  healthchecks: HealthcheckStore;
  probes: ProbeStore;
  circuits: CircuitStore;
  history: HistoryRecorder;
  queue: Queue<ProbeJobData>;
}

export interface HealthMonitorDeps {
  stores: RedisStores;
  prefix: string;
  logger: Logger;
  clock: Clock;
  policy?: CircuitPolicy | undefined;
  /** Finds a healthcheck's definition (code-first, then stored). */
  healthchecks: HealthcheckLookup;
}

/**
 * Watches providers: keeps this process's snapshot of every provider's state current (pub/sub),
 * records live outcomes (circuits, history), schedules and runs probes. Starts when Redis connects.
 */
export class HealthMonitor {
  readonly view: RedisHealthView;
  readonly snapshot: HealthSnapshot;
  readonly policy: CircuitPolicy;
  private state: HealthParts | undefined;
  private subscriber: Redis | undefined;

  constructor(private readonly deps: HealthMonitorDeps) {
    const now = () => deps.clock.now();
    this.policy = deps.policy ?? DEFAULT_CIRCUIT;
    this.snapshot = new HealthSnapshot(now, deps.logger);
    this.view = new RedisHealthView(this.snapshot, this.policy, now, deps.logger);
    deps.stores.hook(
      (stores) => this.start(stores),
      () => this.stop(),
    );
  }

  /** The stores of provider state, connecting first if needed. */
  async parts(): Promise<HealthParts> {
    await this.deps.stores.get();
    return this.state!;
  }

  /** (Re)creates a healthcheck's schedulers at its effective interval. */
  async schedule(product: string, definition: HealthcheckDefinition): Promise<void> {
    const { redis, keys, queue } = await this.parts();
    const overrides = Object.values(await redis.hgetall(keys.healthInterval(product, definition.tag))).map(
      Number,
    );
    const interval = Math.min(definition.interval, ...overrides.filter((n) => n > 0));
    await upsertProbeSchedulers(queue, product, definition, interval);
  }

  async unschedule(product: string, tag: string): Promise<void> {
    await removeProbeSchedulers((await this.parts()).queue, product, tag);
  }

  /**
   * A fallback option's `check_interval` overrides how often its healthcheck probes. Recorded per
   * fallback and provider (the shortest wins); the healthcheck, if it exists, is rescheduled.
   */
  async noteIntervals(
    product: string,
    fallbackTag: string,
    providers: readonly ProviderSpec[],
  ): Promise<void> {
    if (!providers.some((p) => p.healthcheck)) return;
    const { redis, keys } = await this.parts();
    for (const provider of providers) {
      if (!provider.healthcheck) continue;
      const key = keys.healthInterval(product, provider.healthcheck);
      const field = `${fallbackTag}/${provider.name}`;
      if (provider.checkInterval) await redis.hset(key, field, provider.checkInterval);
      else await redis.hdel(key, field);
      const found = await this.deps.healthchecks(product, provider.healthcheck);
      if (found) await this.schedule(product, found.definition);
    }
  }

  /**
   * Sets a provider's tracked state by hand: `unhealthy` opens its circuit until `until`;
   * `healthy` clears probe state and circuit (the next probe decides again). This process's
   * snapshot is updated at once, others by the published event.
   */
  async setProviderState(
    product: string,
    env: string,
    key: string,
    state: { status: 'healthy' } | { status: 'unhealthy'; until: number },
  ): Promise<void> {
    const { circuits, probes } = await this.parts();
    const event =
      state.status === 'unhealthy'
        ? await circuits.open(product, env, key, state.until)
        : await probes.reset(product, env, key);
    this.snapshot.apply(event);
  }

  /** Starts a worker that runs probe jobs. */
  async startWorker(
    connection: Redis,
    targets: TargetResolver,
    concurrency = 5,
  ): Promise<Worker<ProbeJobData>> {
    const parts = await this.parts();
    const logger = this.deps.logger.child({ component: 'healthcheck-worker' });
    const worker = new Worker<ProbeJobData>(
      HEALTHCHECK_QUEUE,
      healthcheckProcessor({
        definition: this.deps.healthchecks,
        probes: parts.probes,
        circuits: parts.circuits,
        targets,
        policy: this.policy,
        clock: this.deps.clock,
        logger,
      }),
      { connection, prefix: this.deps.prefix, concurrency },
    );
    const guard = guardWorker(worker, logger, 'healthcheck worker error');
    worker.on('closing', () => guard.stop());
    await worker.waitUntilReady();
    return worker;
  }

  private async start(stores: Stores): Promise<void> {
    const { redis, keys } = stores;
    const now = () => this.deps.clock.now();
    const history = new HistoryRecorder(redis, keys, DEFAULT_HISTORY, this.deps.logger, now);
    const queue = new Queue<ProbeJobData>(HEALTHCHECK_QUEUE, { connection: redis, prefix: this.deps.prefix });
    queue.on('error', () => {}); // connection errors surface on the calls that fail
    const parts: HealthParts = {
      redis,
      keys,
      healthchecks: stores.healthchecks,
      probes: new ProbeStore(redis, keys),
      circuits: new CircuitStore(redis, keys),
      history,
      queue,
    };
    this.subscriber = stores.blocking();
    await this.snapshot.start(redis, this.subscriber, keys);
    history.start();
    this.view.attach(parts.circuits, history);
    this.state = parts;
  }

  private async stop(): Promise<void> {
    await this.snapshot.stop();
    await this.state?.history.stop();
    await this.state?.queue.close();
    this.subscriber?.disconnect();
  }
}
