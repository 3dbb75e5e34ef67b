import type { Backstop, FallbackDescription } from '../index.js';
import { table } from './output.js';

export interface ProviderRow {
  product: string;
  fallback: string;
  order: number;
  provider: string;
  healthcheck: string | null;
  env: string | null;
  provider_status: string;
  last_checked: string | null;
  last_latency_ms: number | null;
  circuit: string | null;
}

export interface ProviderFilter {
  product?: string | undefined;
  env?: string | undefined;
}

/** The providers as a table, or a line saying there are none. */
export function providerTable(providers: readonly ProviderRow[]): string {
  if (providers.length === 0) return 'no fallbacks defined';
  const header = ['product', 'fallback', '#', 'provider', 'healthcheck', 'env', 'status', 'last checked'];
  const rows = providers.map((p) => [
    p.product,
    p.fallback,
    String(p.order),
    p.provider,
    p.healthcheck ?? '-',
    p.env ?? '-',
    p.provider_status,
    p.last_checked ?? 'never',
    p.last_latency_ms === null ? '-' : `${p.last_latency_ms} ms`,
    p.circuit ?? '-',
  ]);
  return table([...header, 'latency', 'circuit'], rows);
}

/**
 * One row per provider of each fallback and env: the env given, else every env its healthcheck
 * probes. A provider without a healthcheck has only passive health (its circuit), shown per env
 * when `--env` names one.
 */
export async function providerRows(backstop: Backstop, options: ProviderFilter): Promise<ProviderRow[]> {
  const fallbacks = await backstop.fallback.fetchAll(options.product);
  const envsOf = await healthcheckEnvs(backstop, fallbacks);
  const rows: ProviderRow[] = [];
  for (const fallback of fallbacks) {
    for (const [index, option] of fallback.options.entries()) {
      const healthcheck = option.healthcheck ?? null;
      const base = {
        product: fallback.product,
        fallback: fallback.tag,
        order: index + 1,
        provider: option.provider,
      };
      const envs = options.env
        ? [options.env]
        : healthcheck
          ? (envsOf.get(`${fallback.product}/${healthcheck}`) ?? [])
          : [];
      if (envs.length === 0) {
        rows.push({
          ...base,
          healthcheck,
          env: null,
          provider_status: option.provider_status,
          last_checked: null,
          last_latency_ms: null,
          circuit: null,
        });
      }
      for (const env of envs) {
        const s = await backstop.health.status(healthcheck ?? option.provider, env, fallback.product);
        rows.push({
          ...base,
          healthcheck,
          env,
          provider_status: s.provider_status,
          last_checked: s.last_checked,
          last_latency_ms: s.last_latency_ms,
          // Where it stands, why, and for how long (e.g. `ejected: consecutive-failures, 4.2 s left`).
          circuit:
            s.state === 'healthy' || s.state === 'unknown'
              ? 'closed'
              : `${s.state}${s.reason ? `: ${s.reason}` : ''}${s.time_left_ms === null ? '' : `, ${(s.time_left_ms / 1000).toFixed(1)} s left`}`,
        });
      }
    }
  }
  return rows;
}

/** `product/healthcheck` → the envs it probes. */
async function healthcheckEnvs(
  backstop: Backstop,
  fallbacks: FallbackDescription[],
): Promise<Map<string, string[]>> {
  const envs = new Map<string, string[]>();
  for (const product of new Set(fallbacks.map((f) => f.product))) {
    for (const hc of await backstop.health.fetchAll(product)) {
      envs.set(
        `${product}/${hc.tag}`,
        hc.envs.map((e) => e.slug),
      );
    }
  }
  return envs;
}
