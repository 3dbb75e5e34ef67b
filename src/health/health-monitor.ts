import { Queue, type Telemetry, Worker } from 'bullmq';
import type { ProviderSpec } from '../core/chain.js';
import type { Clock } from '../core/clock.js';
import type { EngineEvents } from '../core/events.js';
import { eject } from '../core/health/ejection.js';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../core/health/health-policy.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import { INITIAL_STATE } from '../core/health/provider-state.js';
import type { Logger } from '../core/logger.js';
import type { TargetResolver } from '../core/target.js';
import type { RedisClient } from '../redis/redis-client.js';
import { guardWorker } from '../redis/worker-guard.js';
import type { HealthcheckStore } from '../store/healthcheck-store.js';
import type { Keys } from '../store/keys.js';
import type { RedisStores, Stores } from '../store/redis-stores.js';
import { HealthSnapshot } from './health-snapshot.js';
import { type HealthcheckLookup, healthcheckProcessor } from './healthcheck-processor.js';
import { HEALTHCHECK_QUEUE, type ProbeJobData } from './healthcheck-scheduler.js';
import { DEFAULT_HISTORY, HistoryRecorder } from './history.js';
import { LiveRecorder } from './live-recorder.js';
import { phaseEvents } from './phase-events.js';
import { ProbeRounds } from './probe-rounds.js';
import type { ProbeFetch } from './probe-runner.js';
import { ProviderStateStore, type StateWritten } from './provider-state-store.js';
import { RedisHealthView } from './redis-health-view.js';
import { TRIAL_LEASE_MS, TrialGate } from './trial-gate.js';

/** Provider state in Redis and the probe queue, once connected. */
export interface HealthParts {
  redis: RedisClient;
  keys: Keys;
  healthchecks: HealthcheckStore;
  states: ProviderStateStore;
  history: HistoryRecorder;
  queue: Queue<ProbeJobData>;
  rounds: ProbeRounds;
}

export interface HealthMonitorDeps {
  stores: RedisStores;
  prefix: string;
  logger: Logger;
  clock: Clock;
  /** The process's health settings (chains and options override them). */
  policy?: HealthPolicy | undefined;
  /** Finds a healthcheck's definition (code-first, then stored). */
  healthchecks: HealthcheckLookup;
  /** How URL probes call: through the outbound policy. */
  fetch?: ProbeFetch | undefined;
  /** Where `health.changed` goes (the Backstop's event bus). */
  events?: EngineEvents | undefined;
  /** Told of every provider state this process writes (healthcheck alerts). */
  onStateWritten?: StateWritten | undefined;
  /** BullMQ telemetry for the healthcheck queue and worker when they are made (tracing), if any. */
  telemetry?: () => Telemetry | undefined;
}

/** The healthcheck worker keeps a slot per probe round (and one spare), at least this many. */
const MIN_PROBE_SLOTS = 5;
const SLOTS_REFRESH_MS = 5_000;

/**
 * Watches providers: keeps this process's snapshot of every provider's state current (pub/sub),
 * records live outcomes (shared state, history), schedules and runs probes, and tells the event bus
 * of every phase change. Starts when Redis connects.
 */
export class HealthMonitor {
  readonly view: RedisHealthView;
  readonly snapshot: HealthSnapshot;
  readonly recorder: LiveRecorder;
  readonly policy: HealthPolicy;
  private state: HealthParts | undefined;
  private subscriber: RedisClient | undefined;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.policy = deps.policy ?? DEFAULT_HEALTH_POLICY;
    const trials = new TrialGate(
      (key, ejectedAt, budget) =>
        this.parts().then((p) =>
          p.states.claimTrial(key.product, key.env, key.healthcheck, ejectedAt, budget, TRIAL_LEASE_MS),
        ),
      () => deps.clock.now(),
      deps.logger,
    );
    this.snapshot = new HealthSnapshot(deps.clock, trials, deps.logger);
    this.recorder = new LiveRecorder(
      () => this.state?.states,
      this.snapshot,
      deps.clock,
      deps.logger,
      this.policy,
    );
    this.snapshot.onState((key) => this.recorder.stateChanged(key));
    if (deps.events) this.snapshot.onPhase(phaseEvents(deps.events, () => deps.clock.now()));
    this.view = new RedisHealthView(this.snapshot, this.recorder, deps.clock);
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

  /** Puts a healthcheck's envs in the probe round of its effective interval (probe-rounds.ts). */
  async schedule(product: string, definition: HealthcheckDefinition): Promise<void> {
    const { redis, keys, rounds } = await this.parts();
    const overrides = Object.values(await redis.hgetall(keys.healthInterval(product, definition.tag))).map(
      Number,
    );
    const interval = Math.min(definition.interval, ...overrides.filter((n) => n > 0));
    const envs = definition.envs.map((e) => e.slug);
    await rounds.join(product, definition.tag, envs, interval);
  }

  async unschedule(product: string, tag: string): Promise<void> {
    await (await this.parts()).rounds.leave(product, tag);
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
   * Sets a provider's tracked state by hand: `unhealthy` ejects it until `until` (then trial calls
   * decide, as after any ejection); `healthy` forgets what probes and live traffic found (the next
   * probe decides again). This process's snapshot is updated at once, others by the published write.
   */
  async setProviderState(
    product: string,
    env: string,
    key: string,
    state: { status: 'healthy' } | { status: 'unhealthy'; until: number },
  ): Promise<void> {
    const { states } = await this.parts();
    const now = this.deps.clock.now();
    const written =
      state.status === 'unhealthy'
        ? (await states.update(product, env, key, (s) => eject(s, 'operator', now, this.policy, state.until)))
            .current!
        : await states.replace(product, env, key, { ...INITIAL_STATE, change: { at: now, reason: 'reset' } });
    this.snapshot.put({ product, env, healthcheck: key }, written.version, written.state);
  }

  /**
   * Starts a worker that runs probe jobs, with a slot per probe round (and one spare: a round's
   * job may still be writing its states when the next is due; legacy single-probe jobs queued
   * before an upgrade use it too). The count is read again every few seconds.
   */
  async startWorker(
    connection: RedisClient,
    targets: TargetResolver,
    concurrency?: number,
  ): Promise<Worker<ProbeJobData>> {
    const parts = await this.parts();
    const logger = this.deps.logger.child({ component: 'healthcheck-worker' });
    const floor = concurrency ?? MIN_PROBE_SLOTS;
    const worker = new Worker<ProbeJobData>(
      HEALTHCHECK_QUEUE,
      healthcheckProcessor({
        definition: this.deps.healthchecks,
        states: parts.states,
        snapshot: this.snapshot,
        targets,
        fetch: this.deps.fetch ?? globalThis.fetch,
        policy: this.policy,
        clock: this.deps.clock,
        logger,
        rounds: parts.rounds,
      }),
      { connection, prefix: this.deps.prefix, concurrency: floor, ...this.telemetry() },
    );
    const guard = guardWorker(worker, logger, 'healthcheck worker error');
    const fitSlots = async () => {
      const schedules = await parts.queue.getJobSchedulersCount();
      const slots = Math.max(floor, schedules + 1);
      if (worker.concurrency !== slots) worker.concurrency = slots;
    };
    await fitSlots();
    await this.adoptLegacySchedulers(parts.rounds, logger);
    const timer = setInterval(() => fitSlots().catch(() => undefined), SLOTS_REFRESH_MS);
    timer.unref();
    worker.on('closing', () => {
      clearInterval(timer);
      guard.stop();
    });
    await worker.waitUntilReady();
    return worker;
  }

  /**
   * Upgrading: healthchecks still probed by an earlier version's schedulers (one per healthcheck and
   * env) join their rounds, which removes those. One this process cannot find (a code-first one
   * defined elsewhere) keeps them: their jobs are still processed.
   */
  private async adoptLegacySchedulers(rounds: ProbeRounds, logger: Logger): Promise<void> {
    try {
      for (const { product, tag } of await rounds.legacyHealthchecks()) {
        const found = await this.deps.healthchecks(product, tag);
        if (found) await this.schedule(product, found.definition);
      }
    } catch (error) {
      logger.warn(
        { code: 'BACKSTOP_PROBE_ROUNDS_NOT_ADOPTED', reason: (error as Error).message },
        'could not move healthchecks of earlier schedulers into probe rounds; their jobs still run',
      );
    }
  }

  /** `{ telemetry }` for a BullMQ Queue or Worker, when tracing is on. */
  private telemetry(): { telemetry?: Telemetry } {
    const telemetry = this.deps.telemetry?.();
    return telemetry ? { telemetry } : {};
  }

  private async start(stores: Stores): Promise<void> {
    const { redis, keys } = stores;
    const now = () => this.deps.clock.now();
    const history = new HistoryRecorder(redis, keys, DEFAULT_HISTORY, this.deps.logger, now);
    const queue = new Queue<ProbeJobData>(HEALTHCHECK_QUEUE, {
      connection: redis,
      prefix: this.deps.prefix,
      ...this.telemetry(),
    });
    queue.on('error', () => {}); // connection errors surface on the calls that fail
    const parts: HealthParts = {
      redis,
      keys,
      healthchecks: stores.healthchecks,
      states: new ProviderStateStore(redis, keys, this.deps.onStateWritten),
      history,
      queue,
      rounds: new ProbeRounds(redis, keys, queue),
    };
    this.subscriber = stores.blocking();
    await this.snapshot.start(redis, this.subscriber, keys);
    history.start();
    this.view.attach(history);
    this.state = parts;
  }

  private async stop(): Promise<void> {
    this.recorder.inFlight.stop();
    await this.snapshot.stop();
    await this.state?.history.stop();
    await this.state?.queue.close();
    this.subscriber?.disconnect();
  }
}
