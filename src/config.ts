import { z } from 'zod';
import { DEFAULT_MAX_JSON_DEPTH } from './core/json-depth.js';
import { ValidationError } from './core/validation-error.js';
import { parseOrThrow } from './core/zod-issues.js';
import { parseHosts, parseRedisUrl } from './redis/redis-url.js';

const count = z.coerce.number().int().positive();

const configSchema = z.object({
  // Where Redis is: redis://, rediss://, unix://, redis+cluster://host:port,… or redis+sentinel://host:port,…/master.
  REDIS_URL: z.string().min(1).optional(),
  // A Redis Cluster's startup nodes, host:port,host:port (instead of a redis+cluster:// REDIS_URL).
  BACKSTOP_REDIS_CLUSTER_NODES: z.string().min(1).optional(),
  BACKSTOP_PREFIX: z.string().min(1).default('{backstop}'),
  BACKSTOP_PRODUCT: z.string().min(1).optional(),
  BACKSTOP_ENV: z.string().min(1).optional(),
  BACKSTOP_DATA_DIR: z.string().min(1).default('.data'),
  /** The embedded redis-server's timer frequency: 100 by default; 500 for p99 delayed-job lateness under 10 ms. */
  BACKSTOP_REDIS_HZ: z.coerce.number().int().min(1).max(500).default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Job retention, in seconds and counts (never forever: Redis runs with noeviction).
  BACKSTOP_KEEP_COMPLETED_SECONDS: count.default(24 * 3600),
  BACKSTOP_KEEP_COMPLETED_COUNT: count.default(10_000),
  BACKSTOP_KEEP_FAILED_SECONDS: count.default(7 * 24 * 3600),
  BACKSTOP_KEEP_FAILED_COUNT: count.default(50_000),
  // Passive health: consecutive live failures that eject a provider (0: ignore live traffic), and its first ejection time.
  BACKSTOP_CIRCUIT_THRESHOLD: z.coerce.number().int().min(0).default(5),
  BACKSTOP_CIRCUIT_COOLDOWN_MS: count.default(5_000),
  // The process's health settings as JSON (the `healthPolicy` option's shape), e.g. '{"slowStartMs":0}'.
  BACKSTOP_HEALTH_POLICY: z.string().min(1).optional(),
  // Worker processes.
  BACKSTOP_DEFINITIONS: z.string().min(1).optional(),
  // Definitions that name an app, action, healthcheck, chain or feature that does not exist are
  // refused at create time; `false` allows forward references (each is logged instead).
  BACKSTOP_CHECK_REFERENCES: z.stringbool().default(true),
  // Seals session tokens in job data (32 bytes, hex or base64); else a key kept in Redis.
  BACKSTOP_SESSION_KEY: z.string().min(1).optional(),
  BACKSTOP_CONCURRENCY: count.optional(),
  // The named job queues a worker process takes (payments,sms); every queue when unset.
  BACKSTOP_QUEUES: z.string().min(1).optional(),
  // How dispatched jobs are stored: `compact` (only what the job's own record does not say), or
  // `full`, as earlier releases stored them, for producers upgraded before every worker is.
  BACKSTOP_JOB_FORMAT: z.enum(['compact', 'full']).default('compact'),
  // Record runs, attempts and job lateness for /metrics (the library's `metrics` option overrides it).
  BACKSTOP_METRICS: z.stringbool().default(true),
  // The runs view: top-level runs kept per product in Redis (0: none), and for how long (ms).
  BACKSTOP_RECENT_RUNS: z.coerce.number().int().min(0).max(100_000).default(1_000),
  BACKSTOP_RECENT_RUNS_WINDOW_MS: count.default(86_400_000),
  // A worker process (workers/*.worker.ts) serves GET /healthz and GET /metrics on this port; none when unset.
  BACKSTOP_WORKER_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  BACKSTOP_WORKER_HOST: z.string().min(1).default('127.0.0.1'),
  BACKSTOP_SHUTDOWN_GRACE_MS: count.optional(),
  BACKSTOP_LOCK_DURATION_MS: count.optional(),
  BACKSTOP_STALLED_INTERVAL_MS: count.optional(),
  BACKSTOP_MAX_STALLED: z.coerce.number().int().min(0).optional(),
  // HTTP API (src/server.ts). Keys: comma-separated `name:key:scope` entries, scope read or write.
  BACKSTOP_API_KEYS: z.string().min(1).optional(),
  BACKSTOP_API_HOST: z.string().min(1).default('127.0.0.1'),
  BACKSTOP_API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  BACKSTOP_RATE_LIMIT_PER_MINUTE: count.default(600),
  // Wrong API keys one client address may present a minute before it is refused without a lookup.
  BACKSTOP_AUTH_FAILURES_PER_MINUTE: count.default(20),
  // Behind a gateway: which proxies' X-Forwarded-For to believe (true, a hop count, or addresses/CIDRs).
  BACKSTOP_TRUST_PROXY: z.string().min(1).optional(),
  // Security (docs/security.md). Names `$Secret{}` may read, besides BACKSTOP_SECRET_<NAME> variables.
  BACKSTOP_SECRETS: z.string().optional(),
  // Signs healthcheck alert webhooks (HMAC-SHA256); without it no alert webhook is called.
  BACKSTOP_ALERT_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  // The shortest interval a recurring schedule may have (every, cron), in ms.
  BACKSTOP_MIN_SCHEDULE_INTERVAL_MS: count.default(1_000),
  // How deep JSON (bodies, inputs, templates) may nest.
  BACKSTOP_MAX_JSON_DEPTH: z.coerce.number().int().min(2).max(1_000).default(DEFAULT_MAX_JSON_DEPTH),
  // Hosts, `*.domain` wildcards, IPs and CIDRs that apps, URL healthchecks and JWKS URLs may reach.
  BACKSTOP_OUTBOUND_ALLOW: z.string().optional(),
  BACKSTOP_OUTBOUND_LOOPBACK: z.enum(['allow', 'deny']).default('allow'),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/**
 * The one place the environment is read. Parsed, then frozen. An empty value counts as unset:
 * docker compose's `${X:-}` and a bare `X=` in an env file pass empty strings.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const config = parseOrThrow(configSchema, set, 'invalid configuration', 'env');
  return Object.freeze({ ...config, REDIS_URL: redisAddress(config) });
}

/**
 * The one Redis address every entry point uses: REDIS_URL, checked here so that a bad one is
 * refused at start naming the variable, or BACKSTOP_REDIS_CLUSTER_NODES as a redis+cluster:// URL.
 */
function redisAddress(config: z.infer<typeof configSchema>): string | undefined {
  const nodes = config.BACKSTOP_REDIS_CLUSTER_NODES;
  if (nodes !== undefined) {
    if (config.REDIS_URL !== undefined) {
      throw ValidationError.field(
        'env.BACKSTOP_REDIS_CLUSTER_NODES',
        'set either REDIS_URL or BACKSTOP_REDIS_CLUSTER_NODES, not both',
        'invalid configuration',
      );
    }
    const hosts = parseHosts(nodes, 'env.BACKSTOP_REDIS_CLUSTER_NODES');
    return `redis+cluster://${hosts.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(',')}`;
  }
  if (config.REDIS_URL !== undefined) parseRedisUrl(config.REDIS_URL, 'env.REDIS_URL');
  return config.REDIS_URL;
}

/** The prefix of variables that declare a secret by their name: `BACKSTOP_SECRET_STRIPE_KEY` is `$Secret{STRIPE_KEY}`. */
export const SECRET_PREFIX = 'BACKSTOP_SECRET_';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether `name` is Backstop's own configuration (or could become it: every `BACKSTOP_` variable),
 * which `$Secret{}` must never read.
 */
export function isOwnConfiguration(name: string): boolean {
  return name in configSchema.shape || name.startsWith('BACKSTOP_');
}

/** Why `name` cannot be declared as a secret, or undefined when it can. */
export function secretNameProblem(name: string): string | undefined {
  if (!SECRET_NAME.test(name)) return 'expected a variable name: letters, digits and _';
  if (isOwnConfiguration(name))
    return `'${name}' is Backstop's own configuration and is never readable through $Secret{}`;
  return undefined;
}

/**
 * The secrets the operator declared in the environment: each name in BACKSTOP_SECRETS (its value
 * the variable of that name) and each BACKSTOP_SECRET_<NAME> variable (as NAME). A declared name
 * without a value is kept: it may be set only where workers run.
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv, config: Config): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const issues: { path: string; message: string }[] = [];
  const listed = (config.BACKSTOP_SECRETS ?? '').split(',').map((n) => n.trim());
  listed.forEach((name, i) => {
    if (name === '') return;
    const problem = secretNameProblem(name);
    if (problem) issues.push({ path: `BACKSTOP_SECRETS[${i}]`, message: problem });
    else out.set(name, env[name]);
  });
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(SECRET_PREFIX)) continue;
    const name = variable.slice(SECRET_PREFIX.length);
    const problem = out.has(name)
      ? `declares '${name}', which BACKSTOP_SECRETS declares too`
      : secretNameProblem(name);
    if (problem) issues.push({ path: variable, message: problem });
    else out.set(name, value);
  }
  if (issues.length > 0) throw new ValidationError(issues, 'invalid configuration');
  return out;
}
