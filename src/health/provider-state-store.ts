import { INITIAL_STATE, type ProviderState, type VersionedState } from '../core/health/provider-state.js';
import { luaCommand } from '../redis/lua-command.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from '../store/keys.js';
import { indexMember } from './health-event.js';

/**
 * Both writes are applied once per call (lua-command.ts): sent again after a lost reply, a state
 * write would meet itself as a conflict and its signal be counted a second time, and a trial claim
 * would spend a second call of the budget.
 */
const ONCE = { once: true };

/**
 * Compare-and-set of one provider's state: written only when the version is still the one the rule
 * read; the version is the next number of the global sequence, and the write is published with it.
 * On a mismatch the current state comes back, so a retry needs no extra read. The index is written
 * only with a new state: a state that exists is in it already (one command less per probe).
 * Each write is also recorded in the change log (KEYS[4], member → seq; see `Keys.healthChanges`).
 * A member new to the log sets its `|since` marker if missing (a log just made, or lost and made
 * again): the log answers for every write after it. One command per write once the log exists.
 * KEYS: state, index, seq, changes. ARGV: expected version ('' for none), state JSON, index member,
 * channel, product, env, key, ttl ms.
 */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], 'v') or ''
if current ~= ARGV[1] then return { 0, current, redis.call('HGET', KEYS[1], 's') or '' } end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'v', seq, 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
if current == '' then redis.call('SADD', KEYS[2], ARGV[3]) end
if redis.call('ZADD', KEYS[4], seq, ARGV[3]) == 1 then redis.call('ZADD', KEYS[4], 'NX', seq - 1, '|since') end
redis.call('PUBLISH', ARGV[4], '{"seq":' .. seq .. ',"product":' .. cjson.encode(ARGV[5]) .. ',"env":' .. cjson.encode(ARGV[6]) .. ',"key":' .. cjson.encode(ARGV[7]) .. ',"state":' .. ARGV[2] .. '}')
return { 1, tostring(seq), '' }`;

// Sent as EVALSHA: the script's hash, not its text, on every probe.
const compareAndSet = luaCommand<[number, string, string]>('backstopStateCas', COMPARE_AND_SET, ONCE);

/** KEYS: budget. ARGV: budget, lease ms. 1 when a trial call is granted, 0 when the budget is spent. */
const CLAIM_TRIAL = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return 0 end
return 1`;
const takeTrialCall = luaCommand<number>('backstopClaimTrial', CLAIM_TRIAL, ONCE);

/** A state nobody touches for a week is forgotten (probes rewrite theirs every interval). */
const TTL_MS = 7 * 24 * 3_600_000;
const MAX_TRIES = 20;

/** Provider states in Redis: one hash each, written by compare-and-set, every write published. */
/** Told of every state this process wrote, with the state it replaced (healthcheck alerts). */
export type StateWritten = (
  product: string,
  env: string,
  key: string,
  before: ProviderState | undefined,
  after: ProviderState,
) => void;

export class ProviderStateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly onWritten?: StateWritten | undefined,
  ) {}

  /**
   * Keeps the last failed probe's error beside the state (field `e` of the same hash, outside the
   * compare-and-set: it is what an operator reads, not what the rules decide on).
   */
  async recordProbeError(
    product: string,
    env: string,
    key: string,
    at: number,
    error: string,
  ): Promise<void> {
    await this.redis.hset(this.keys.providerState(product, env, key), 'e', JSON.stringify({ at, error }));
  }

  /** The last failed probe's error and when it failed, if a probe ever failed. */
  async lastProbeError(
    product: string,
    env: string,
    key: string,
  ): Promise<{ at: number; error: string } | null> {
    const raw = await this.redis.hget(this.keys.providerState(product, env, key), 'e');
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as { at?: unknown; error?: unknown };
      return typeof parsed.at === 'number' && typeof parsed.error === 'string'
        ? { at: parsed.at, error: parsed.error }
        : null;
    } catch {
      return null;
    }
  }

  async read(product: string, env: string, key: string): Promise<VersionedState | undefined> {
    const [v, s] = await this.redis.hmget(this.keys.providerState(product, env, key), 'v', 's');
    return v && s ? { version: Number(v), state: JSON.parse(s) as ProviderState } : undefined;
  }

  /**
   * Applies `rule` to the current state (starting from `known`, a snapshot's copy, when given) and
   * writes the result if it differs; when another process wrote first, applies it again to theirs.
   * `rule` returns its argument unchanged when there is nothing to write.
   */
  async update(
    product: string,
    env: string,
    key: string,
    rule: (state: ProviderState) => ProviderState,
    known?: VersionedState | null,
  ): Promise<{ written: boolean; current: VersionedState | undefined }> {
    let current = known === undefined ? await this.read(product, env, key) : (known ?? undefined);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const base = current?.state ?? INITIAL_STATE;
      const next = rule(base);
      if (next === base) return { written: false, current };
      const result = await this.write(product, env, key, current?.version, next);
      if (result.ok) {
        this.onWritten?.(product, env, key, current?.state, next);
        return { written: true, current: { version: result.version, state: next } };
      }
      current = result.current;
    }
    throw new Error(`provider state of '${key}' kept changing; gave up after ${MAX_TRIES} tries`);
  }

  /** Writes `state` whatever is there (an operator's change, a reset). */
  async replace(product: string, env: string, key: string, state: ProviderState): Promise<VersionedState> {
    const { current } = await this.update(product, env, key, () => ({ ...state }));
    return current!;
  }

  /** Takes one of the trial calls of the trial that began with the ejection at `ejectedAt`. */
  async claimTrial(
    product: string,
    env: string,
    key: string,
    ejectedAt: number,
    budget: number,
    leaseMs: number,
  ): Promise<boolean> {
    const budgetKey = this.keys.trialBudget(product, env, key, ejectedAt);
    return (await takeTrialCall(this.redis, [budgetKey], [budget, leaseMs])) === 1;
  }

  private async write(
    product: string,
    env: string,
    key: string,
    expected: number | undefined,
    state: ProviderState,
  ): Promise<{ ok: true; version: number } | { ok: false; current: VersionedState | undefined }> {
    const [ok, v, s] = await compareAndSet(
      this.redis,
      [
        this.keys.providerState(product, env, key),
        this.keys.healthIndex(),
        this.keys.healthSeq(),
        this.keys.healthChanges(),
      ],
      [
        expected === undefined ? '' : String(expected),
        JSON.stringify(state),
        indexMember(product, env, key),
        this.keys.healthEvents(),
        product,
        env,
        key,
        TTL_MS,
      ],
    );
    if (ok === 1) return { ok: true, version: Number(v) };
    return {
      ok: false,
      current: v && s ? { version: Number(v), state: JSON.parse(s) as ProviderState } : undefined,
    };
  }
}
