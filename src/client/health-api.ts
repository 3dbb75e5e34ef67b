import { phaseOf } from '../core/health/circuit.js';
import type { HealthcheckDefinition, HealthcheckInput } from '../core/health/healthcheck-schema.js';
import { mergedStatus } from '../core/health/merge.js';
import type { ProviderStatus } from '../core/health-view.js';
import { checkJsonDepth } from '../core/json-depth.js';
import { NotFoundError, ValidationError } from '../core/validation-error.js';
import type { HealthRuntime } from '../health/health-runtime.js';
import { parseHealthcheck } from '../health/healthcheck-store.js';
import type { HistoryBucket } from '../health/history.js';
import type { ProbeHandler } from '../health/probe-runner.js';
import { type Internals, productAndTag, requireProduct } from './internals.js';

export type HealthcheckDescription = HealthcheckDefinition & {
  product: string;
  version: number;
  source: 'declarative' | 'code';
};

/** `health.status(tag, env)`: the merged state and what it was merged from. */
export interface HealthStatus {
  product: string;
  env: string;
  healthcheck: string;
  provider_status: ProviderStatus;
  last_available: boolean | null;
  last_checked: string | null;
  last_latency_ms: number | null;
  avg_latency_ms: number | null;
  consecutive_failures: number;
  circuit: { state: 'closed' | 'open' | 'half-open'; failures: number; open_until: string | null };
}

export interface HistoryQuery {
  /** Provider name (as in `result.provider`). */
  provider: string;
  product?: string;
  env?: string;
  /** ISO date or ms; default: one hour ago. */
  from?: string | number | Date;
  to?: string | number | Date;
}

/** `backstop.health`: healthchecks (seed 001 `health.create`), provider state and history. */
export class HealthApi {
  constructor(
    private readonly internals: Internals,
    private readonly runtime: HealthRuntime,
  ) {}

  /** Seed 001: a stored healthcheck, probed on schedule by healthcheck workers. */
  async create(definition: HealthcheckInput): Promise<HealthcheckDescription>;
  async create(product: string, definition: HealthcheckInput): Promise<HealthcheckDescription>;
  async create(a: string | HealthcheckInput, b?: HealthcheckInput): Promise<HealthcheckDescription> {
    const raw = typeof a === 'string' ? { ...b, product: a } : a;
    const product = requireProduct(this.internals, (raw as { product?: string })?.product);
    const definition = this.checked(parseHealthcheck(this.shallow(raw)));
    await this.internals.runtime.get();
    const stored = await this.runtime.get().healthchecks.create(product, definition);
    await this.runtime.schedule(product, definition);
    return { ...stored.definition, product, version: stored.version, source: 'declarative' };
  }

  /** Code-first: the probe is your function (throw when the provider is down). Workers need it too (BACKSTOP_DEFINITIONS). */
  async define(definition: HealthcheckInput & { handler: ProbeHandler }): Promise<HealthcheckDescription> {
    const handler = definition?.handler;
    if (typeof handler !== 'function')
      throw ValidationError.field('handler', 'expected a function that probes the provider');
    const { handler: _h, ...rest } = definition;
    const product = requireProduct(this.internals, rest.product);
    const parsed = this.checked(parseHealthcheck(this.shallow(rest), true));
    this.runtime.registerCode(product, parsed, handler);
    await this.internals.runtime.get();
    await this.runtime.schedule(product, parsed);
    return { ...parsed, product, version: 1, source: 'code' };
  }

  /** Refuses a definition nested past the JSON depth limit (probe inputs are stored as JSON). */
  private shallow<T>(raw: T): T {
    checkJsonDepth(raw, this.internals.compile.maxJsonDepth, '', 'invalid healthcheck');
    return raw;
  }

  /** A URL probe must be allowed by the outbound policy. */
  private checked(definition: HealthcheckDefinition): HealthcheckDefinition {
    this.internals.outbound.checkUrl(definition.url, 'url', 'invalid healthcheck');
    return definition;
  }

  async fetch(productOrTag: string, tag?: string): Promise<HealthcheckDescription> {
    const [product, hc] = productAndTag(this.internals, 'healthcheck', productOrTag, tag);
    const code = this.runtime.codeDefinition(product, hc);
    if (code) return { ...code.definition, product, version: 1, source: 'code' };
    await this.internals.runtime.get();
    const stored = await this.runtime.get().healthchecks.fetch(product, hc);
    if (!stored) throw new NotFoundError('healthcheck', hc, product);
    return { ...stored.definition, product, version: stored.version, source: 'declarative' };
  }

  /** Every healthcheck, stored and code-first; of one product when given (as `fallback.fetchAll`). */
  async fetchAll(product?: string): Promise<HealthcheckDescription[]> {
    await this.internals.runtime.get();
    const stored = await this.runtime.get().healthchecks.list(product);
    return [
      ...stored.map((s) => ({
        ...s.definition,
        product: s.product,
        version: s.version,
        source: 'declarative' as const,
      })),
      ...this.runtime
        .codeList(product)
        .map((c) => ({ ...c.definition, product: c.product, version: 1, source: 'code' as const })),
    ];
  }

  async update(tag: string, patch: Partial<HealthcheckInput>): Promise<HealthcheckDescription>;
  async update(
    product: string,
    tag: string,
    patch: Partial<HealthcheckInput>,
  ): Promise<HealthcheckDescription>;
  async update(
    a: string,
    b: string | Partial<HealthcheckInput>,
    c?: Partial<HealthcheckInput>,
  ): Promise<HealthcheckDescription> {
    const [product, tag] =
      typeof b === 'string'
        ? productAndTag(this.internals, 'healthcheck', a, b)
        : productAndTag(this.internals, 'healthcheck', a);
    const patch = (typeof b === 'string' ? c : b) as Record<string, unknown> | undefined;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    this.shallow(patch);
    if (typeof patch.url === 'string')
      this.internals.outbound.checkUrl(patch.url, 'url', 'invalid healthcheck');
    await this.internals.runtime.get();
    const stored = await this.runtime.get().healthchecks.update(product, tag, patch);
    await this.runtime.schedule(product, stored.definition);
    return { ...stored.definition, product, version: stored.version, source: 'declarative' };
  }

  async delete(productOrTag: string, tag?: string): Promise<void> {
    const [product, hc] = productAndTag(this.internals, 'healthcheck', productOrTag, tag);
    await this.internals.runtime.get();
    const found = await this.runtime.definition(product, hc);
    const removed =
      this.runtime.deleteCode(product, hc) || (await this.runtime.get().healthchecks.delete(product, hc));
    if (!found || !removed) throw new NotFoundError('healthcheck', hc, product);
    await this.runtime.unschedule(product, hc);
    // Its last state must not outlive it: a provider last seen unhealthy would be skipped forever.
    for (const env of found.definition.envs) await this.runtime.get().probes.reset(product, env.slug, hc);
  }

  /** The provider state of a healthcheck (or of a provider without one, by its name) in an env, read fresh from Redis. */
  async status(tag: string, env?: string, product?: string): Promise<HealthStatus> {
    const p = requireProduct(this.internals, product);
    const e = env ?? this.internals.defaults.env;
    if (!e) throw ValidationError.field('env', 'required: pass env, or set it in new Backstop({ env })');
    await this.internals.runtime.get();
    const { probes, circuits } = this.runtime.get();
    const [probe, circuit] = await Promise.all([probes.read(p, e, tag), circuits.read(p, e, tag)]);
    const now = Date.now();
    return {
      product: p,
      env: e,
      healthcheck: tag,
      provider_status: mergedStatus(probe, circuit, now),
      last_available: probe.lastAvailable,
      last_checked: probe.lastChecked ? new Date(probe.lastChecked).toISOString() : null,
      last_latency_ms: probe.lastLatencyMs,
      avg_latency_ms: probe.avgLatencyMs,
      consecutive_failures: probe.failures,
      circuit: {
        state: phaseOf(circuit, now),
        failures: circuit.failures,
        open_until: circuit.openUntil ? new Date(circuit.openUntil).toISOString() : null,
      },
    };
  }

  /** Seed 001's historical performance: per time bucket, successes, failures, skips and latency percentiles. */
  async history(
    query: HistoryQuery,
  ): Promise<{ provider: string; product: string; env: string; buckets: HistoryBucket[] }> {
    if (!query || typeof query.provider !== 'string' || query.provider === '') {
      throw ValidationError.field('provider', 'expected the provider name');
    }
    const product = requireProduct(this.internals, query.product);
    const env = query.env ?? this.internals.defaults.env;
    if (!env) throw ValidationError.field('env', 'required: pass env, or set it in new Backstop({ env })');
    const to = instant(query.to, Date.now(), 'to');
    const from = instant(query.from, to - 3_600_000, 'from');
    await this.internals.runtime.get();
    const { history } = this.runtime.get();
    await history.flush(); // include what this process counted but has not written yet
    return {
      provider: query.provider,
      product,
      env,
      buckets: await history.read(product, env, query.provider, from, to),
    };
  }
}

function instant(value: string | number | Date | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms))
    throw ValidationError.field(field, 'expected a date, an ISO string or ms since epoch');
  return ms;
}
