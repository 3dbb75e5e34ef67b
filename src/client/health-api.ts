import type { Clock } from '../core/clock.js';
import type { Defaults } from '../core/defaults.js';
import type { CompileContext } from '../core/definition/compile-context.js';
import { type AlertBuilderContext, onFailureOf } from '../core/health/alert-builder.js';
import type { HealthcheckDefinition, HealthcheckInput } from '../core/health/healthcheck-schema.js';
import { windowTotals } from '../core/health/outcome-window.js';
import { phaseAt } from '../core/health/phase.js';
import { INITIAL_STATE, settled, streakWeight } from '../core/health/provider-state.js';
import { checkJsonDepth } from '../core/json-depth.js';
import { NotFoundError, ValidationError } from '../core/validation-error.js';
import type { CodeRegistry } from '../definitions/code-registry.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import type { ReferenceCheck } from '../definitions/reference-check.js';
import type { DrillBoard } from '../health/drill-board.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { HistoryBucket } from '../health/history.js';
import type { ProbeHandler } from '../health/probe-runner.js';
import type { OutboundPolicy } from '../security/outbound-policy.js';
import { parseHealthcheck } from '../store/healthcheck-store.js';
import { DrillControls } from './drill-controls.js';
import type { HealthcheckDescription, HealthStatus, HistoryQuery, TrackedProvider } from './health-types.js';

export type {
  HealthcheckDescription,
  HealthStatus,
  HistoryQuery,
  TrackedProvider,
} from './health-types.js';

export interface HealthApiDeps {
  /** The JSON depth limit (probe inputs are stored as JSON). */
  compile: CompileContext;
  /** URL probes must be allowed by it. */
  outbound: OutboundPolicy;
  code: CodeRegistry;
  definitions: DefinitionResolver;
  monitor: HealthMonitor;
  defaults: Defaults;
  clock: Clock;
  references: ReferenceCheck;
  drills: DrillBoard;
}

/** `backstop.health`: healthchecks, provider state and history. */
export class HealthApi extends DrillControls {
  constructor(private readonly deps: HealthApiDeps) {
    super(deps.drills);
  }

  /** A stored healthcheck, probed on schedule by healthcheck workers. */
  async create(definition: HealthcheckInput): Promise<HealthcheckDescription>;
  async create(product: string, definition: HealthcheckInput): Promise<HealthcheckDescription>;
  async create(a: string | HealthcheckInput, b?: HealthcheckInput): Promise<HealthcheckDescription> {
    const raw = typeof a === 'string' ? { ...b, product: a } : a;
    const product = this.deps.defaults.requireProduct((raw as { product?: string })?.product);
    const definition = this.checked(parseHealthcheck(this.shallow(raw)));
    await this.deps.references.healthcheck(definition);
    const { healthchecks } = await this.deps.monitor.parts();
    const stored = await healthchecks.create(product, definition);
    await this.deps.monitor.schedule(product, definition);
    return { ...stored.definition, product, version: stored.version, source: 'declarative' };
  }

  /** Code-first: the probe is your function (throw when the provider is down). Workers need it too (BACKSTOP_DEFINITIONS). */
  async define(
    definition: HealthcheckInput & { handler: ProbeHandler; alerts?: (ctx: AlertBuilderContext) => void },
  ): Promise<HealthcheckDescription> {
    const handler = definition?.handler;
    if (typeof handler !== 'function')
      throw ValidationError.field('handler', 'expected a function that probes the provider');
    const { handler: _h, alerts, ...rest } = definition;
    const onFailure = onFailureOf(alerts);
    if (onFailure) rest.onFailure = onFailure;
    const product = this.deps.defaults.requireProduct(rest.product);
    const parsed = this.checked(parseHealthcheck(this.shallow(rest), true));
    await this.deps.references.healthcheck(parsed);
    this.deps.code.healthchecks.set(product, parsed.tag, { definition: parsed, handler });
    await this.deps.monitor.schedule(product, parsed);
    return { ...parsed, product, version: 1, source: 'code' };
  }

  /** Refuses a definition nested past the JSON depth limit (probe inputs are stored as JSON). */
  private shallow<T>(raw: T): T {
    checkJsonDepth(raw, this.deps.compile.maxJsonDepth, '', 'invalid healthcheck');
    return raw;
  }

  /** A URL probe must be allowed by the outbound policy. */
  private checked(definition: HealthcheckDefinition): HealthcheckDefinition {
    this.deps.outbound.checkUrl(definition.url, 'url', 'invalid healthcheck');
    this.deps.outbound.checkUrl(
      definition.onFailure?.webhook?.url,
      'onFailure.webhook.url',
      'invalid healthcheck',
    );
    return definition;
  }

  async fetch(productOrTag: string, tag?: string): Promise<HealthcheckDescription> {
    const [product, hc] = this.deps.defaults.productAndTag('healthcheck', productOrTag, tag);
    const code = this.deps.code.healthchecks.get(product, hc);
    if (code) return { ...code.definition, product, version: 1, source: 'code' };
    const { healthchecks } = await this.deps.monitor.parts();
    const stored = await healthchecks.fetch(product, hc);
    if (!stored) throw new NotFoundError('healthcheck', hc, product);
    return { ...stored.definition, product, version: stored.version, source: 'declarative' };
  }

  /** Every healthcheck, stored and code-first; of one product when given (as `fallback.fetchAll`). */
  async fetchAll(product?: string): Promise<HealthcheckDescription[]> {
    const { healthchecks } = await this.deps.monitor.parts();
    const stored = await healthchecks.list(product);
    return [
      ...stored.map((s) => ({
        ...s.definition,
        product: s.product,
        version: s.version,
        source: 'declarative' as const,
      })),
      ...this.deps.code.healthchecks
        .list(product)
        .map((c) => ({ ...c.value.definition, product: c.product, version: 1, source: 'code' as const })),
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
    const { defaults, monitor } = this.deps;
    const [product, tag] =
      typeof b === 'string'
        ? defaults.productAndTag('healthcheck', a, b)
        : defaults.productAndTag('healthcheck', a);
    const patch = (typeof b === 'string' ? c : b) as Record<string, unknown> | undefined;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    this.shallow(patch);
    if (typeof patch.url === 'string') this.deps.outbound.checkUrl(patch.url, 'url', 'invalid healthcheck');
    const { healthchecks } = await monitor.parts();
    const stored = await healthchecks.update(product, tag, patch, (d) => this.deps.references.healthcheck(d));
    await monitor.schedule(product, stored.definition);
    return { ...stored.definition, product, version: stored.version, source: 'declarative' };
  }

  async delete(productOrTag: string, tag?: string): Promise<void> {
    const { defaults, monitor, code, definitions } = this.deps;
    const [product, hc] = defaults.productAndTag('healthcheck', productOrTag, tag);
    const parts = await monitor.parts();
    const found = await definitions.healthcheck(product, hc);
    const removed = code.healthchecks.delete(product, hc) || (await parts.healthchecks.delete(product, hc));
    if (!found || !removed) throw new NotFoundError('healthcheck', hc, product);
    await monitor.unschedule(product, hc);
    // Its last state must not outlive it: a provider last seen unhealthy would be skipped forever.
    for (const env of found.definition.envs)
      await monitor.setProviderState(product, env.slug, hc, { status: 'healthy' });
  }

  /** The provider state of a healthcheck (or of a provider without one, by its name) in an env, read fresh from Redis. */
  async status(tag: string, env?: string, product?: string): Promise<HealthStatus> {
    const p = this.deps.defaults.requireProduct(product);
    const e = this.deps.defaults.requireEnv(env);
    const { states } = await this.deps.monitor.parts();
    const now = this.deps.clock.now();
    // A pending ejection whose confirmation window is over is in force, written or not.
    const [read, probeError] = await Promise.all([states.read(p, e, tag), states.lastProbeError(p, e, tag)]);
    const state = settled(read?.state ?? INITIAL_STATE, now);
    const view = phaseAt(state, now);
    const { probe, live } = state;
    const totals = windowTotals(live.window, this.deps.monitor.policy.failureRate.windowMs, now);
    const streak = Math.round(streakWeight(live) * 100) / 100;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const open = view.phase === 'ejected' || view.phase === 'cooling';
    return {
      product: p,
      env: e,
      healthcheck: tag,
      provider_status: view.status,
      last_available: probe.lastAvailable,
      last_checked: iso(probe.lastChecked),
      last_latency_ms: probe.lastLatencyMs,
      avg_latency_ms: probe.avgLatencyMs,
      consecutive_failures: probe.failures,
      consecutive_passes: probe.passes,
      state: view.phase,
      reason: view.reason,
      until: iso(view.until),
      time_left_ms: view.until === null ? null : Math.max(0, view.until - now),
      alert: view.alert,
      ejections: state.ejections,
      traffic_share: Math.round(view.share * 1000) / 1000,
      live: {
        streak,
        window_calls: Math.round(totals.calls * 100) / 100,
        window_failures: Math.round(totals.failures * 100) / 100,
      },
      changed: state.change
        ? { at: new Date(state.change.at).toISOString(), reason: state.change.reason }
        : null,
      last_probe_error: probeError && { at: new Date(probeError.at).toISOString(), error: probeError.error },
      circuit: {
        state: open ? 'open' : view.phase === 'trial' ? 'half-open' : 'closed',
        failures: streak,
        open_until: open ? iso(view.until) : null,
      },
    };
  }

  /**
   * Every provider this process tracks, from its local snapshot (no Redis round trip): where each
   * stands, why, and how long that lasts. What the metrics read at each scrape.
   */
  tracked(): TrackedProvider[] {
    const now = this.deps.clock.now();
    return this.deps.monitor.snapshot.list().map(({ key, phase }) => ({
      product: key.product,
      env: key.env,
      healthcheck: key.healthcheck,
      provider_status: phase.status,
      state: phase.phase,
      reason: phase.reason,
      time_left_ms: phase.until === null ? null : Math.max(0, phase.until - now),
      traffic_share: phase.share,
      alert: phase.alert,
    }));
  }

  /** Historical performance: per time bucket, successes, failures, skips and latency percentiles. */
  async history(
    query: HistoryQuery,
  ): Promise<{ provider: string; product: string; env: string; buckets: HistoryBucket[] }> {
    if (!query || typeof query.provider !== 'string' || query.provider === '') {
      throw ValidationError.field('provider', 'expected the provider name');
    }
    const product = this.deps.defaults.requireProduct(query.product);
    const env = this.deps.defaults.requireEnv(query.env);
    const to = instant(query.to, this.deps.clock.now(), 'to');
    const from = instant(query.from, to - 3_600_000, 'from');
    const { history } = await this.deps.monitor.parts();
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
