import type { Backstop } from '../../backstop.js';
import type { QuotaProviderStatus } from '../../client/quota-api.js';
import type { Drill } from '../../core/drill.js';
import type { ProviderStatus } from '../../core/health-view.js';
import type { FallbackDescription, FallbackOptionDescription } from '../../definitions/describe-fallback.js';
import { type Minute, summarize, timeline, type WindowStats } from './latency-summary.js';

/** The window the page's success rate and latency cover. */
export const WINDOW_MS = 3_600_000;

/** What `GET /dashboard/health.json` answers. */
export interface HealthReport {
  generated_at: string;
  env: string | null;
  /** Every env a healthcheck probes, and this one: what the page's env switcher offers. */
  envs: string[];
  window_ms: number;
  fallbacks: FallbackHealth[];
  /** Each quota's providers: weight and the share it asks for against the share they served. */
  quotas: QuotaShares[];
  /** Failover drills in force: what the page marks as a drill rather than an outage. */
  drills: Drill[];
}

export interface QuotaShares {
  product: string;
  tag: string;
  name: string;
  providers: QuotaProviderStatus[];
  /** Why its status could not be read. */
  error: string | null;
}

export interface FallbackHealth {
  product: string;
  tag: string;
  name: string;
  description: string | null;
  source: 'declarative' | 'code';
  version: number;
  providers: ProviderRow[];
}

export interface ProviderRow {
  /** 1 for the primary, then in failover order. */
  position: number;
  provider: string;
  /** What it calls, e.g. `stripe · charge`. */
  target: string;
  healthcheck: string | null;
  provider_status: ProviderStatus;
  last_available: boolean | null;
  last_checked: string | null;
  consecutive_failures: number | null;
  circuit: 'closed' | 'open' | 'half-open' | null;
  /** Where it stands (ejected, cooling, trial, ramping, healthy, unknown), why, and for how long. */
  state: string | null;
  reason: string | null;
  time_left_ms: number | null;
  /** Credentials refused: an operator must act. */
  alert: boolean;
  /** The last failed probe's error and when (what "last probe failed" was about). */
  last_probe_error: { at: string; error: string } | null;
  window: WindowStats | null;
  /** The last hour of live traffic, minute by minute, oldest first. */
  timeline: Minute[];
  /** Why state or history could not be read for this provider. */
  error: string | null;
}

/**
 * One snapshot for the page: every fallback (`fetchAll`, all products), each provider's state read
 * fresh from Redis (`health.status`, keyed like the engine: the healthcheck, else the provider's
 * name, so an open circuit shows even without a healthcheck) and its last hour of history.
 */
export async function healthReport(backstop: Backstop, env: string | undefined): Promise<HealthReport> {
  const now = Date.now();
  const [fallbacks, healthchecks, quotas, drills] = await Promise.all([
    backstop.fallback.fetchAll(),
    backstop.health.fetchAll().catch(() => []),
    quotaShares(backstop, env),
    backstop.health.drills().catch(() => [] as Drill[]),
  ]);
  let resolvedEnv: string | null = env ?? null;
  const rows = await Promise.all(
    fallbacks.map((fallback) =>
      Promise.all(
        fallback.options.map(async (option, i) => {
          const row = await providerRow(backstop, fallback, option, i + 1, env, now);
          resolvedEnv ??= row.env;
          return row.row;
        }),
      ),
    ),
  );
  return {
    generated_at: new Date(now).toISOString(),
    env: resolvedEnv,
    envs: [
      ...new Set([
        ...(resolvedEnv ? [resolvedEnv] : []),
        ...healthchecks.flatMap((h) => h.envs.map((e) => e.slug)),
      ]),
    ].sort(),
    window_ms: WINDOW_MS,
    fallbacks: fallbacks
      .map((f, i) => ({
        product: f.product,
        tag: f.tag,
        name: f.name,
        description: f.description ?? null,
        source: f.source,
        version: f.version,
        providers: rows[i] ?? [],
      }))
      .sort((a, b) => a.product.localeCompare(b.product) || a.tag.localeCompare(b.tag)),
    quotas,
    drills,
  };
}

/** Every quota's status (uses counted in every process), one unreadable quota not blanking the rest. */
async function quotaShares(backstop: Backstop, env: string | undefined): Promise<QuotaShares[]> {
  const quotas = await backstop.quota.fetchAll();
  const rows = await Promise.all(
    quotas.map(async (q): Promise<QuotaShares> => {
      const base = { product: q.product, tag: q.tag, name: q.name };
      try {
        const status = await backstop.quota.status({
          tag: q.tag,
          product: q.product,
          ...(env ? { env } : {}),
        });
        return { ...base, providers: status.providers, error: null };
      } catch (error) {
        return { ...base, providers: [], error: (error as Error).message };
      }
    }),
  );
  return rows.sort((a, b) => a.product.localeCompare(b.product) || a.tag.localeCompare(b.tag));
}

async function providerRow(
  backstop: Backstop,
  fallback: FallbackDescription,
  option: FallbackOptionDescription,
  position: number,
  env: string | undefined,
  now: number,
): Promise<{ row: ProviderRow; env: string | null }> {
  const row: ProviderRow = {
    position,
    provider: option.provider,
    target: [option.app, option.event].filter(Boolean).join(' · '),
    healthcheck: option.healthcheck ?? null,
    provider_status: option.provider_status,
    last_available: option.last_available,
    last_checked: option.last_checked,
    consecutive_failures: null,
    circuit: null,
    state: option.health_state ?? null,
    reason: option.health_reason ?? null,
    time_left_ms: option.time_left_ms ?? null,
    alert: false,
    last_probe_error: null,
    window: null,
    timeline: [],
    error: null,
  };
  try {
    const [status, history] = await Promise.all([
      backstop.health.status(option.healthcheck ?? option.provider, env, fallback.product),
      backstop.health.history({
        provider: option.provider,
        product: fallback.product,
        env,
        from: now - WINDOW_MS,
        to: now,
      }),
    ]);
    row.provider_status = status.provider_status;
    row.last_available = status.last_available;
    row.last_checked = status.last_checked;
    row.consecutive_failures = status.consecutive_failures;
    row.circuit = status.circuit.state;
    row.state = status.state;
    row.reason = status.reason;
    row.time_left_ms = status.time_left_ms;
    row.alert = status.alert;
    row.last_probe_error = status.last_probe_error;
    row.window = summarize(history.buckets);
    row.timeline = timeline(history.buckets, now);
    return { row, env: status.env };
  } catch (error) {
    // One unreadable provider (no env configured, Redis hiccup) must not blank the whole page.
    row.error = (error as Error).message;
    return { row, env: null };
  }
}
