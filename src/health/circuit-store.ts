import type { Redis } from 'ioredis';
import type { CircuitPolicy, CircuitState } from '../core/health/circuit.js';
import type { Keys } from '../store/keys.js';
import { type HealthEvent, indexMember } from './health-event.js';

/**
 * The circuit rule of core/health/circuit.ts (`applyCall`), run inside Redis: live failures come
 * from every worker at once, and a compare-and-set would spin under exactly the failure storms it
 * must record. Publishes when the circuit opens or closes and at the first failure counted, so
 * snapshots know when a success must be reported; further counts are not news to them.
 * KEYS: circuit, index. ARGV: ok, now, threshold, cooldownMs, member, channel, product, env, key.
 */
const APPLY_CALL = `
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '')
local now = tonumber(ARGV[2])
local state
if ARGV[1] == '1' then
  if failures == 0 and not openUntil then return 0 end
  redis.call('DEL', KEYS[1])
  state = { failures = 0, openUntil = cjson.null }
else
  failures = failures + 1
  local halfOpen = openUntil and now >= openUntil
  local opens = halfOpen or failures >= tonumber(ARGV[3])
  if opens then openUntil = now + tonumber(ARGV[4]) end
  redis.call('HSET', KEYS[1], 'failures', failures)
  if openUntil then redis.call('HSET', KEYS[1], 'openUntil', openUntil) end
  redis.call('PEXPIRE', KEYS[1], 86400000)
  redis.call('SADD', KEYS[2], ARGV[5])
  state = { failures = failures, openUntil = openUntil or cjson.null }
  -- Snapshots need only "some failures counted" and "open until": tell them when either changes.
  if failures > 1 and not opens then return 1 end
end
redis.call('PUBLISH', ARGV[6], cjson.encode({ kind = 'circuit', product = ARGV[7], env = ARGV[8], key = ARGV[9], state = state }))
return 1`;

export class CircuitStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Records one live call's outcome. */
  async record(
    product: string,
    env: string,
    key: string,
    ok: boolean,
    now: number,
    policy: CircuitPolicy,
  ): Promise<void> {
    await this.redis.eval(
      APPLY_CALL,
      2,
      this.keys.circuit(product, env, key),
      this.keys.healthIndex(),
      ok ? '1' : '0',
      String(now),
      String(policy.threshold),
      String(policy.cooldownMs),
      indexMember('circuit', product, env, key),
      this.keys.healthEvents(),
      product,
      env,
      key,
    );
  }

  /**
   * Opens a circuit by hand until `openUntil` (processor `update`: provider_status 'unhealthy').
   * After that it is half-open like any other: the next call is a trial.
   */
  async open(product: string, env: string, key: string, openUntil: number): Promise<HealthEvent> {
    const state: CircuitState = { failures: 1, openUntil };
    const event: HealthEvent = { kind: 'circuit', product, env, key, state };
    const circuit = this.keys.circuit(product, env, key);
    await this.redis
      .multi()
      .hset(circuit, 'failures', 1, 'openUntil', openUntil)
      .pexpireat(circuit, openUntil + 86_400_000)
      .sadd(this.keys.healthIndex(), indexMember('circuit', product, env, key))
      .publish(this.keys.healthEvents(), JSON.stringify(event))
      .exec();
    return event;
  }

  async read(product: string, env: string, key: string): Promise<CircuitState> {
    const [failures, openUntil] = await this.redis.hmget(
      this.keys.circuit(product, env, key),
      'failures',
      'openUntil',
    );
    return { failures: Number(failures ?? 0), openUntil: openUntil ? Number(openUntil) : null };
  }
}
