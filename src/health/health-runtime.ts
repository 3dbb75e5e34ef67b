import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Stores } from '../client/runtime.js';
import type { ProviderSpec } from '../core/chain.js';
import { type CircuitPolicy, DEFAULT_CIRCUIT } from '../core/health/circuit.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import type { Logger } from '../core/logger.js';
import { ProductRegistry } from '../core/product-registry.js';
import type { TargetResolver } from '../core/target.js';
import { Keys } from '../store/keys.js';
import { CircuitStore } from './circuit-store.js';
import { HealthSnapshot } from './health-snapshot.js';
import { healthcheckProcessor } from './healthcheck-processor.js';
import {
  HEALTHCHECK_QUEUE,
  type ProbeJobData,
  removeProbeSchedulers,
  upsertProbeSchedulers,
} from './healthcheck-scheduler.js';
import { HealthcheckStore } from './healthcheck-store.js';
import { DEFAULT_HISTORY, HistoryRecorder } from './history.js';
import type { ProbeFetch, ProbeHandler } from './probe-runner.js';
import { ProbeStore } from './probe-store.js';
import { RedisHealthView } from './redis-health-view.js';

export interface HealthParts {
  redis: Redis;
  keys: Keys;
  healthchecks: HealthcheckStore;
  probes: ProbeStore;
  circuits: CircuitStore;
  history: HistoryRecorder;
  queue: Queue<ProbeJobData>;
}

/**
 * Everything healthchecks need once Redis is there: the stores, the local snapshot kept current
 * by pub/sub, the history writer, and the probe queue. Code-first healthchecks live here too.
 */
export class HealthRuntime {
  readonly view: RedisHealthView;
  readonly snapshot: HealthSnapshot;
  private readonly code = new ProductRegistry<{ definition: HealthcheckDefinition; handler: ProbeHandler }>();
  private parts: HealthParts | undefined;
  private subscriber: Redis | undefined;

  constructor(
    private readonly prefix: string,
    private readonly logger: Logger,
    readonly policy: CircuitPolicy = DEFAULT_CIRCUIT,
    /** How URL probes call: through the outbound policy. */
    private readonly fetch: ProbeFetch = globalThis.fetch,
  ) {
    this.snapshot = new HealthSnapshot(Date.now, logger);
    this.view = new RedisHealthView(this.snapshot, policy, Date.now, logger);
  }

  /** Called when the Redis runtime connects. */
  async start(stores: Stores): Promise<void> {
    const keys = new Keys(this.prefix);
    const history = new HistoryRecorder(stores.redis, keys, DEFAULT_HISTORY, this.logger, Date.now);
    const parts: HealthParts = {
      redis: stores.redis,
      keys,
      healthchecks: new HealthcheckStore(stores.redis, keys),
      probes: new ProbeStore(stores.redis, keys),
      circuits: new CircuitStore(stores.redis, keys),
      history,
      queue: new Queue<ProbeJobData>(HEALTHCHECK_QUEUE, { connection: stores.redis, prefix: this.prefix }),
    };
    stores.onDefinitionChange((key) => parts.healthchecks.invalidate(key));
    parts.queue.on('error', () => {}); // connection errors surface on the calls that fail
    this.subscriber = stores.blocking();
    await this.snapshot.start(stores.redis, this.subscriber, keys);
    history.start();
    this.view.attach(parts.circuits, history);
    this.parts = parts;
  }

  get(): HealthParts {
    if (!this.parts) throw new Error('health runtime used before Redis connected');
    return this.parts;
  }

  registerCode(product: string, definition: HealthcheckDefinition, handler: ProbeHandler): void {
    this.code.set(product, definition.tag, { definition, handler });
  }

  codeDefinition(product: string, tag: string) {
    return this.code.get(product, tag);
  }

  deleteCode(product: string, tag: string): boolean {
    return this.code.delete(product, tag);
  }

  /** Code-first healthchecks with their product, of one product or all. */
  codeList(product?: string): { product: string; definition: HealthcheckDefinition }[] {
    return this.code.list(product).map((e) => ({ product: e.product, definition: e.value.definition }));
  }

  /** The definition of a healthcheck, code-first first, then Redis. */
  async definition(product: string, tag: string) {
    return (
      this.codeDefinition(product, tag) ??
      (await this.get()
        .healthchecks.definition(product, tag)
        .then((d) => d && { definition: d }))
    );
  }

  /** (Re)creates a healthcheck's schedulers at its effective interval. */
  async schedule(product: string, definition: HealthcheckDefinition): Promise<void> {
    const { redis, keys, queue } = this.get();
    const overrides = Object.values(await redis.hgetall(keys.healthInterval(product, definition.tag))).map(
      Number,
    );
    const interval = Math.min(definition.interval, ...overrides.filter((n) => n > 0));
    await upsertProbeSchedulers(queue, product, definition, interval);
  }

  unschedule(product: string, tag: string): Promise<void> {
    return removeProbeSchedulers(this.get().queue, product, tag);
  }

  /**
   * Seed 001/003: a fallback option's `check_interval` overrides how often its healthcheck probes.
   * Recorded per fallback and provider (the shortest wins); the healthcheck, if it exists, is rescheduled.
   */
  async noteIntervals(
    product: string,
    fallbackTag: string,
    providers: readonly ProviderSpec[],
  ): Promise<void> {
    const { redis, keys } = this.get();
    for (const provider of providers) {
      if (!provider.healthcheck) continue;
      const key = keys.healthInterval(product, provider.healthcheck);
      const field = `${fallbackTag}/${provider.name}`;
      if (provider.checkInterval) await redis.hset(key, field, provider.checkInterval);
      else await redis.hdel(key, field);
      const found = await this.definition(product, provider.healthcheck);
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
    const { circuits, probes } = this.get();
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
    const parts = this.get();
    const worker = new Worker<ProbeJobData>(
      HEALTHCHECK_QUEUE,
      healthcheckProcessor({
        definition: (product, tag) => this.definition(product, tag),
        probes: parts.probes,
        circuits: parts.circuits,
        targets,
        fetch: this.fetch,
        policy: this.policy,
        logger: this.logger.child({ component: 'healthcheck-worker' }),
      }),
      { connection, prefix: this.prefix, concurrency },
    );
    worker.on('error', (error) => this.logger.error({ err: error }, 'healthcheck worker error'));
    await worker.waitUntilReady();
    return worker;
  }

  async stop(): Promise<void> {
    await this.snapshot.stop();
    await this.parts?.history.stop();
    await this.parts?.queue.close();
    this.subscriber?.disconnect();
  }
}
