import type { Redis } from 'ioredis';
import { applyProbe, type ProbeState, UNKNOWN_PROBE } from '../core/health/probe-state.js';
import type { Keys } from '../store/keys.js';
import { type HealthEvent, indexMember } from './health-event.js';

/** KEYS: state, index. ARGV: expected ('' for none), next, index member, channel, event. */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`;

/** Probe state in Redis, one JSON value per product, env and healthcheck; changes are published. */
export class ProbeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async read(product: string, env: string, healthcheck: string): Promise<ProbeState> {
    const json = await this.redis.get(this.keys.probeState(product, env, healthcheck));
    return json ? (JSON.parse(json) as ProbeState) : UNKNOWN_PROBE;
  }

  /**
   * Applies one probe's result: the rule (core/health/probe-state.ts) runs here, and a
   * compare-and-set writes it only if nobody changed the state meanwhile; otherwise it reads again.
   */
  async apply(
    product: string,
    env: string,
    healthcheck: string,
    probe: { ok: boolean; latencyMs: number; at: number },
    threshold: number,
  ): Promise<ProbeState> {
    const key = this.keys.probeState(product, env, healthcheck);
    for (let tries = 0; tries < 10; tries++) {
      const current = await this.redis.get(key);
      const next = applyProbe(
        current ? (JSON.parse(current) as ProbeState) : UNKNOWN_PROBE,
        probe,
        threshold,
      );
      const event: HealthEvent = { kind: 'probe', product, env, key: healthcheck, state: next };
      const written = await this.redis.eval(
        COMPARE_AND_SET,
        2,
        key,
        this.keys.healthIndex(),
        current ?? '',
        JSON.stringify(next),
        indexMember('probe', product, env, healthcheck),
        this.keys.healthEvents(),
        JSON.stringify(event),
      );
      if (written === 1) return next;
    }
    throw new Error(`probe state of '${healthcheck}' kept changing; gave up after 10 tries`);
  }

  /** Forgets what probes and live traffic found: the provider is `unknown` (not skipped) again. */
  async reset(product: string, env: string, healthcheck: string): Promise<HealthEvent> {
    const event: HealthEvent = { kind: 'reset', product, env, key: healthcheck };
    await this.redis
      .multi()
      .del(this.keys.probeState(product, env, healthcheck), this.keys.circuit(product, env, healthcheck))
      .publish(this.keys.healthEvents(), JSON.stringify(event))
      .exec();
    return event;
  }
}
