import type { Clock } from './core/clock.js';
import type { HealthSettings } from './core/health/health-policy-schema.js';
import type { HealthView } from './core/health-view.js';
import type { Logger } from './core/logger.js';
import type { RedisClient } from './redis/redis-client.js';
import type { OutboundOptions } from './security/outbound-policy.js';
import type { SecretValue } from './security/secret-store.js';

/** What `new Backstop(options)` takes; every field is optional. */
export interface BackstopOptions {
  /** A Redis URL or client. Default: `REDIS_URL`, else a private `redis-server` for this process. */
  redis?: string | RedisClient | undefined;
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
   * Health settings of this process (README, "Healthchecks": ejection rules, ejection time, trial
   * calls, slow start, Retry-After, auth failures); chains and options override them with `health`.
   */
  healthPolicy?: HealthSettings | undefined;
  /**
   * Shorthand for two of them: `threshold` consecutive live failures eject a provider for
   * `cooldownMs` at first (`consecutiveFailures`, `ejection.baseMs`; default 5 and 5 s, or
   * BACKSTOP_CIRCUIT_THRESHOLD / _COOLDOWN_MS). `false` (or a threshold of 0) ignores live traffic.
   */
  circuit?: { threshold?: number; cooldownMs?: number } | false;
  /**
   * Refuse definitions that name an app, action, healthcheck, chain or feature that does not exist
   * (default true, or BACKSTOP_CHECK_REFERENCES); `false` allows forward references, logging each.
   */
  checkReferences?: boolean;
  /** Injected time, for tests. */
  clock?: Clock;
  /**
   * The engine's random source, a function returning [0, 1) (default Math.random): a quota's
   * weighted picks, backoff jitter and the panic share draw from it. A seeded one makes them
   * repeatable in tests.
   */
  random?: () => number;
  /** Environment to read configuration from (default `process.env`). */
  processEnv?: NodeJS.ProcessEnv;
  /**
   * Secrets `$Secret{NAME}` may read, besides those declared in the environment (BACKSTOP_SECRETS,
   * BACKSTOP_SECRET_<NAME>): a value, or a function read at each call (a rotating key). Nothing
   * else is readable: not Backstop's configuration, not other variables.
   */
  secrets?: Record<string, SecretValue>;
  /** Where apps, URL healthchecks and JWKS URLs may call (default: BACKSTOP_OUTBOUND_ALLOW / _LOOPBACK). */
  outbound?: OutboundOptions;
  /**
   * Record runs, attempts and job lateness in `backstop.metrics` (default true, or BACKSTOP_METRICS).
   * `false` leaves only the gauges read at scrape time (queue, provider state).
   */
  metrics?: boolean;
  /**
   * The runs view (`backstop.recentRuns`, the dashboard's `/dashboard/runs`): how many top-level
   * runs each product keeps in Redis and for how long (default BACKSTOP_RECENT_RUNS, 1000, and
   * BACKSTOP_RECENT_RUNS_WINDOW_MS, a day); `false` writes none from this process.
   */
  recentRuns?: { max?: number; windowMs?: number } | false;
}
