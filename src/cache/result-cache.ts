import { randomUUID } from 'node:crypto';
import type { AttemptRecord } from '../core/attempt.js';
import type { Clock } from '../core/clock.js';
import { ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunOutcome } from '../core/run-chain.js';
import { luaCommand } from '../redis/lua-command.js';
import { type RedisClient, scanKeys } from '../redis/redis-client.js';
import { codeOf } from '../redis/redis-errors.js';
import { redactor } from '../security/redactor.js';
import type { Keys } from '../store/keys.js';
import { noSuchCache, type StoredCacheType } from './cache-definition.js';
import { type CacheScope, cacheHash } from './cache-key.js';

/** A successful run's result as the cache keeps it. */
export interface CachedEntry {
  runId: string;
  provider: string;
  result: Record<string, unknown>;
  attempts: AttemptRecord[];
  storedAt: string;
}

/** Either this caller ran the chain, or it got a result some run stored (or one it waited for). */
export type CacheOutcome =
  | { kind: 'ran'; outcome: RunOutcome; stored: CachedEntry | undefined }
  | { kind: 'cached'; entry: CachedEntry };

/** The single-flight lock lives this long unless its holder renews it: a crashed holder frees it by then. */
export const LOCK_MS = 10_000;
/** Waiters look again this often, in case a notification was missed. */
const POLL_MS = 250;

/**
 * KEYS: entry, lock. ARGV: token, lock ms.
 * → {0, entry} a stored result; {1} the lock is ours; {2} someone holds it. A lock holding our
 * token is ours: ioredis sends the call again when its reply was lost with the connection, and the
 * run must not wait for its own lock to expire.
 */
const LOOK_OR_LOCK = `
local hit = redis.call('GET', KEYS[1])
if hit then return {0, hit} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {1} end
if redis.call('GET', KEYS[2]) == ARGV[1] then return {1} end
return {2}`;
/** Extends the lock only if we still hold it. KEYS: lock. ARGV: token, ms. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/**
 * Ends a single-flight run: stores its result (when it succeeded), releases the lock only if we
 * still hold it, and wakes the waiters, in that order and with no other client's command in
 * between. What must be atomic: a waiter woken by the message, or one that finds the lock free,
 * must find the result already stored, or it would take the lock and run the chain again. The
 * store is a `pcall`: a store Redis refuses (at `maxmemory`) must still free the lock and wake the
 * waiters, who then contend again at once (a MULTI was refused whole then, and they waited for the
 * lock to expire). The entry and its lock share a slot (the lock's key is the entry's plus `:lock`).
 * KEYS: entry, lock. ARGV: token, channel, ttl ms, result JSON (absent: nothing to store).
 * → '' or why the store failed.
 */
const FINISH = `
local failed = ''
if ARGV[4] then
  local stored = redis.pcall('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
  if type(stored) == 'table' and stored.err then failed = stored.err end
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[2], KEYS[1])
return failed`;

// Named commands (EVALSHA): the scripts' hashes go to Redis, not their text. One script call ends
// a run instead of a MULTI: ioredis copies every script defined on the connection (BullMQ's
// dozens) into each MULTI or pipeline it makes, once per run that missed the cache.
const lookOrLock = luaCommand<[number, string | undefined]>('backstopCacheLookOrLock', LOOK_OR_LOCK);
const renewLock = luaCommand<number>('backstopCacheRenewLock', RENEW);
const finishRun = luaCommand<string>('backstopCacheFinishRun', FINISH);

/**
 * Result caching with single flight. A run naming a cache first looks for a stored result of the
 * same product, env, tag, definition version, input and session identity. On a miss, one caller in
 * the whole installation takes a Redis lock and runs the chain; identical runs meanwhile (in this
 * process: one shared promise; in others: woken by pub/sub, or a poll) wait for its result instead
 * of calling the providers again. Only successes are stored. If the runner fails, the waiters
 * contend again and one of them runs: each caller of a failing chain gets its own, real error.
 */
export class ResultCache {
  private readonly inflight = new Map<string, Promise<CachedEntry | undefined>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscriber: Promise<RedisClient> | undefined;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly blocking: () => RedisClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async through(
    scope: CacheScope,
    run: () => Promise<RunOutcome>,
    signal?: AbortSignal,
  ): Promise<CacheOutcome> {
    const key = this.keys.cacheEntry(scope.product, scope.env, scope.tag, scope.cacheTag, cacheHash(scope));
    for (;;) {
      const shared = this.inflight.get(key);
      if (shared) {
        const entry = await untilAborted(shared, signal);
        if (entry) return { kind: 'cached', entry };
        continue; // the run we waited for failed: contend again
      }
      let settle: (entry: CachedEntry | undefined) => void = () => {};
      this.inflight.set(key, new Promise((resolve) => (settle = resolve)));
      let entry: CachedEntry | undefined;
      try {
        const outcome = await this.lead(key, scope.cacheTag, run, signal);
        // Waiters get exactly what was stored (its storedAt too), as any later hit would.
        entry = outcome.kind === 'cached' ? outcome.entry : outcome.stored;
        return outcome;
      } finally {
        this.inflight.delete(key);
        settle(entry);
      }
    }
  }

  /**
   * Deletes every cached result of one fallback (or feature) in one env; returns how many. Searched
   * on every master of a Cluster, and deleted key by key: entries need not share a slot.
   */
  async clear(product: string, env: string, tag: string): Promise<number> {
    const found = await scanKeys(this.redis, this.keys.cacheEntriesOf(product, env, tag));
    const entries = found.filter((k) => !k.endsWith(':lock'));
    const removed = await Promise.all(entries.map((key) => this.redis.unlink(key)));
    return removed.reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    const subscriber = await this.subscriber?.catch(() => undefined);
    subscriber?.disconnect();
  }

  private async lead(
    key: string,
    cacheTag: string,
    run: () => Promise<RunOutcome>,
    signal: AbortSignal | undefined,
  ): Promise<CacheOutcome> {
    const lock = `${key}:lock`;
    for (;;) {
      // The cache type is a definition, in another slot than the entry (a Cluster spreads them):
      // read first, then one script looks for a result or takes the lock.
      const cacheType = await this.redis.hget(this.keys.cacheTypes(), cacheTag);
      if (!cacheType) throw noSuchCache(cacheTag);
      const token = randomUUID();
      const [state, value] = await lookOrLock(this.redis, [key, lock], [token, LOCK_MS]);
      if (state === 0) return { kind: 'cached', entry: JSON.parse(value!) as CachedEntry };
      if (state === 1) {
        return this.runHoldingLock(key, lock, token, (JSON.parse(cacheType) as StoredCacheType).ttl, run);
      }
      await this.waitFor(key, signal);
    }
  }

  private async runHoldingLock(
    key: string,
    lock: string,
    token: string,
    ttl: number,
    run: () => Promise<RunOutcome>,
  ): Promise<CacheOutcome> {
    const renew = setInterval(() => {
      renewLock(this.redis, [lock], [token, LOCK_MS]).catch((error) => {
        const code = codeOf(error, ErrorCodes.REDIS_UNAVAILABLE);
        this.logger.warn(
          { code, reason: (error as Error).message, key },
          'could not renew a single-flight lock',
        );
      });
    }, LOCK_MS / 3);
    renew.unref();
    let stored: CachedEntry | undefined;
    let json: string | undefined;
    try {
      const outcome = await run();
      if (outcome.ok) {
        stored = toEntry(outcome, this.clock);
        // Stored scrubbed of secret values: RedisClient is outside the process (a later hit serves it so).
        json = redactor.scrubValue(JSON.stringify(stored));
      }
      return { kind: 'ran', outcome, stored };
    } finally {
      clearInterval(renew);
      // Store, release and wake the waiters in one round trip and one script (see FINISH).
      const args = [token, this.keys.cacheEvents(), ttl, ...(json === undefined ? [] : [json])];
      let failed: Error | undefined;
      try {
        const reason = await finishRun(this.redis, [key, lock], args);
        if (reason) failed = new Error(reason);
      } catch (error) {
        failed = error as Error;
      }
      if (failed) {
        const code = codeOf(failed, ErrorCodes.REDIS_UNAVAILABLE);
        this.logger.warn(
          { code, reason: failed.message, key },
          'could not store a result or release its lock',
        );
      }
    }
  }

  /** Resolves when the key's holder finishes (pub/sub), after a poll interval, or rejects on abort. */
  private async waitFor(key: string, signal: AbortSignal | undefined): Promise<void> {
    await this.subscribe();
    await new Promise<void>((resolve, reject) => {
      const set = this.waiters.get(key) ?? new Set<() => void>();
      this.waiters.set(key, set);
      const done = () => {
        cancelPoll();
        signal?.removeEventListener('abort', onAbort);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(key);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      // On the injected clock, as every timer of the engine's: tests see a wait without waiting.
      const cancelPoll = this.clock.setTimer(POLL_MS, done);
      set.add(done);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private subscribe(): Promise<RedisClient> {
    if (this.closed) return Promise.reject(new Error('the result cache was closed'));
    this.subscriber ??= (async () => {
      const subscriber = this.blocking();
      subscriber.on('message', (_channel: string, key: string) => {
        for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
      });
      await subscriber.subscribe(this.keys.cacheEvents());
      return subscriber;
    })().catch((error) => {
      this.subscriber = undefined;
      throw error;
    });
    return this.subscriber;
  }
}

function toEntry(outcome: RunOutcome, clock: Clock): CachedEntry {
  if (!outcome.ok) throw new Error('only successes are cached');
  return {
    runId: outcome.runId,
    provider: outcome.provider,
    result: outcome.result,
    attempts: outcome.attempts,
    storedAt: new Date(clock.now()).toISOString(),
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
