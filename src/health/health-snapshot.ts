import type { Redis } from 'ioredis';
import { type CircuitState, CLOSED, phaseOf } from '../core/health/circuit.js';
import { mergedStatus } from '../core/health/merge.js';
import { type ProbeState, UNKNOWN_PROBE } from '../core/health/probe-state.js';
import type { HealthKey, ProviderHealth } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import type { Keys } from '../store/keys.js';
import { type HealthEvent, snapshotKey } from './health-event.js';

/** A half-open circuit lets one trial call through; if it never reports back, another may try after this. */
const TRIAL_TTL_MS = 30_000;
/** Pub/sub can miss a message across a reconnect: reload everything this often as a safety net. */
const RELOAD_EVERY_MS = 10_000;

/**
 * This process's copy of every provider's state, kept current by pub/sub, so that deciding whether
 * to skip a provider never waits on Redis.
 */
export class HealthSnapshot {
  private probes = new Map<string, ProbeState>();
  private circuits = new Map<string, CircuitState>();
  private readonly trials = new Map<string, number>();
  private subscriber: Redis | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** The merged state, for display: a plain read. */
  get(key: HealthKey): ProviderHealth | undefined {
    const id = snapshotKey(key.product, key.env, key.healthcheck);
    const probe = this.probes.get(id);
    const circuit = this.circuits.get(id);
    if (!probe && !circuit) return undefined;
    return {
      provider_status: mergedStatus(probe ?? UNKNOWN_PROBE, circuit ?? CLOSED, this.now()),
      last_available: probe?.lastAvailable ?? null,
      last_checked: probe?.lastChecked ? isoOf(probe.lastChecked) : null,
    };
  }

  /**
   * Whether a run may call the provider. A half-open circuit lets one trial call through per
   * process: the first asker gets it, the others skip until it reports back (or its slot expires).
   */
  admit(key: HealthKey): boolean {
    const id = snapshotKey(key.product, key.env, key.healthcheck);
    const probe = this.probes.get(id);
    const circuit = this.circuits.get(id);
    if (!probe && !circuit) return true;
    const now = this.now();
    const state = circuit ?? CLOSED;
    if (mergedStatus(probe ?? UNKNOWN_PROBE, state, now) === 'unhealthy') return false;
    if (phaseOf(state, now) !== 'half-open') return true;
    const claimed = this.trials.get(id);
    if (claimed !== undefined && now - claimed < TRIAL_TTL_MS) return false;
    this.trials.set(id, now);
    return true;
  }

  probe(key: HealthKey): ProbeState | undefined {
    return this.probes.get(snapshotKey(key.product, key.env, key.healthcheck));
  }

  circuit(key: HealthKey): CircuitState {
    return this.circuits.get(snapshotKey(key.product, key.env, key.healthcheck)) ?? CLOSED;
  }

  apply(event: HealthEvent): void {
    const id = snapshotKey(event.product, event.env, event.key);
    if (event.kind === 'probe') this.probes.set(id, event.state);
    else if (event.kind === 'circuit') {
      this.circuits.set(id, event.state);
      if (phaseOf(event.state, this.now()) !== 'half-open') this.trials.delete(id);
    } else {
      this.probes.delete(id);
      this.circuits.delete(id);
      this.trials.delete(id);
    }
  }

  /** Loads every state, then follows changes. `subscriber` is a connection of its own. */
  async start(redis: Redis, subscriber: Redis, keys: Keys): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.apply(JSON.parse(message) as HealthEvent);
      } catch (error) {
        this.logger.warn({ err: error }, 'unreadable health event');
      }
    });
    await subscriber.subscribe(keys.healthEvents());
    await this.reload(redis, keys);
    this.reloadTimer = setInterval(() => {
      this.reload(redis, keys).catch((error) =>
        this.logger.warn({ err: error }, 'health snapshot reload failed'),
      );
    }, RELOAD_EVERY_MS);
    this.reloadTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.reloadTimer);
    this.subscriber?.disconnect();
  }

  private async reload(redis: Redis, keys: Keys): Promise<void> {
    const members = await redis.smembers(keys.healthIndex());
    const parsed = members.map((m) => m.split('|') as [string, string, string, string]);
    const redisKeys = parsed.map(([kind, product, env, key]) =>
      kind === 'probe' ? keys.probeState(product, env, key) : keys.circuit(product, env, key),
    );
    const pipeline = redis.pipeline();
    for (const [i, [kind]] of parsed.entries()) {
      if (kind === 'probe') pipeline.get(redisKeys[i]!);
      else pipeline.hmget(redisKeys[i]!, 'failures', 'openUntil');
    }
    const results = (await pipeline.exec()) ?? [];
    const probes = new Map<string, ProbeState>();
    const circuits = new Map<string, CircuitState>();
    for (const [i, [kind, product, env, key]] of parsed.entries()) {
      const value = results[i]?.[1];
      const id = snapshotKey(product, env, key);
      if (kind === 'probe' && typeof value === 'string') probes.set(id, JSON.parse(value) as ProbeState);
      if (kind === 'circuit' && Array.isArray(value) && value[0] !== null) {
        circuits.set(id, { failures: Number(value[0]), openUntil: value[1] ? Number(value[1]) : null });
      }
    }
    this.probes = probes;
    this.circuits = circuits;
  }
}

let lastMs = 0;
let lastIso = '';
/** Runs read the same few timestamps over and over: format each once. */
function isoOf(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
