import { z } from 'zod';
import type { Defaults } from '../core/defaults.js';
import type { CodeFirstQuotaDefinition } from '../core/definition/code-first.js';
import { tagSchema } from '../core/definition/common-schema.js';
import type { DeclarativeQuota } from '../core/definition/declarative-quota.js';
import type { HealthView } from '../core/health-view.js';
import type { RunParams } from '../core/run-target.js';
import type { OneOffSchedule, RecurringSchedule } from '../core/schedule.js';
import { ValidationError } from '../core/validation-error.js';
import { weightOf } from '../core/weighted-pick.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { FallbackDescription } from '../definitions/describe-fallback.js';
import type { FallbackCatalog } from '../definitions/fallback-catalog.js';
import type { JobHandle, ScheduleHandle } from '../queue/job-handle.js';
import type { DispatchParams, Producer } from '../queue/producer.js';
import type { RunReport } from '../runs/run-report.js';
import type { Runs } from '../runs/runs.js';
import type { QuotaUses } from '../store/quota-uses.js';
import type { RedisStores } from '../store/redis-stores.js';

type Patch = Partial<DeclarativeQuota> | Partial<CodeFirstQuotaDefinition>;

/** One provider of `quota.status`: its weight, the runs it served, and its share of them. */
export interface QuotaProviderStatus {
  name: string;
  weight: number;
  /** The share its weight asks for among the providers that take traffic (0 to 1). */
  expected: number;
  /** Runs it served, counted in every process. */
  uses: number;
  /** Its share of the quota's served runs (0 to 1; 0 before any run). */
  share: number;
  /** Its health (healthy, unhealthy, unknown), or `drained` when its weight is 0. */
  status: string;
}

export interface QuotaStatus {
  tag: string;
  product: string;
  env: string;
  providers: QuotaProviderStatus[];
}

const statusSchema = z.strictObject({
  tag: tagSchema,
  product: tagSchema.optional(),
  env: tagSchema.optional(),
});

export interface QuotaApiDeps {
  catalog: FallbackCatalog;
  runs: Runs;
  producer: Producer;
  defaults: Defaults;
  uses: QuotaUses;
  healthView: HealthView;
  stores: RedisStores;
}

/**
 * `backstop.quota`: weighted distribution. A quota spreads runs over its providers by weight
 * (`quota: 70` / `.weight(70)`) instead of trying them in order; a run whose pick fails moves on
 * to the providers not yet tried, by weight, exactly as a fallback would fail over.
 */
export class QuotaApi {
  constructor(private readonly deps: QuotaApiDeps) {}

  /** A code-first quota (`handler: (ctx) => { ctx.provider('twilio').weight(70)…; }`), kept in this process. */
  define(definition: CodeFirstQuotaDefinition): Promise<FallbackDescription> {
    return this.deps.catalog.define(definition);
  }

  /** A declarative quota (`options: [{ …, quota: 70 }]`), stored in Redis; `create(product, definition)` too. */
  async create(definition: DeclarativeQuota | CodeFirstQuotaDefinition): Promise<FallbackDescription>;
  async create(
    product: string,
    definition: DeclarativeQuota | CodeFirstQuotaDefinition,
  ): Promise<FallbackDescription>;
  async create(
    a: string | DeclarativeQuota | CodeFirstQuotaDefinition,
    b?: DeclarativeQuota | CodeFirstQuotaDefinition,
  ) {
    const definition = typeof a === 'string' ? { ...b, product: a } : a;
    if (typeof (definition as { handler?: unknown })?.handler === 'function')
      return this.define(definition as CodeFirstQuotaDefinition);
    const product = this.deps.defaults.requireProduct((definition as { product?: string })?.product);
    return this.deps.catalog.create(product, definition);
  }

  /** `fetch(tag)` or `fetch(product, tag)`, with the providers' tracked state. */
  async fetch(productOrTag: string, tag?: string): Promise<FallbackDescription> {
    const [product, quotaTag] = this.deps.defaults.productAndTag('quota', productOrTag, tag);
    return this.deps.catalog.describe(product, quotaTag);
  }

  /** Every quota, stored and code-first; of one product when given. */
  fetchAll(product?: string): Promise<FallbackDescription[]> {
    return this.deps.catalog.list(product);
  }

  /** `update(tag, patch)` or `update(product, tag, patch)`: a change of weights takes effect at once. */
  async update(tag: string, patch: Patch): Promise<FallbackDescription>;
  async update(product: string, tag: string, patch: Patch): Promise<FallbackDescription>;
  async update(a: string, b: string | Patch, c?: Patch): Promise<FallbackDescription> {
    const [product, tag] =
      typeof b === 'string'
        ? this.deps.defaults.productAndTag('quota', a, b)
        : this.deps.defaults.productAndTag('quota', a);
    const patch = (typeof b === 'string' ? c : b) as Record<string, unknown> | undefined;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    return this.deps.catalog.update(product, tag, patch);
  }

  /** `delete(tag)` or `delete(product, tag)`. */
  async delete(productOrTag: string, tag?: string): Promise<void> {
    const [product, quotaTag] = this.deps.defaults.productAndTag('quota', productOrTag, tag);
    return this.deps.catalog.delete(product, quotaTag);
  }

  /** Runs the quota: resolves with `{ provider, ...mappedOutput }` or rejects with a FallbackRunError. */
  async run<T = Record<string, unknown>>(params: RunParams): Promise<T & { provider: string }> {
    return (await this.deps.runs.quota<T>(params)).result;
  }

  /** Like `run`, with the run id and the attempt record of every provider tried or skipped. */
  runDetailed<T = Record<string, unknown>>(params: RunParams): Promise<RunReport<T>> {
    return this.deps.runs.quota<T>(params);
  }

  /** Queues a quota run for a worker, with the schedules `fallback.dispatch` takes. */
  dispatch(params: DispatchParams & { schedule: RecurringSchedule }): Promise<ScheduleHandle>;
  dispatch(params: DispatchParams & { schedule?: OneOffSchedule }): Promise<JobHandle>;
  dispatch(params: DispatchParams): Promise<JobHandle | ScheduleHandle>;
  dispatch(params: DispatchParams): Promise<JobHandle | ScheduleHandle> {
    return this.deps.producer.dispatch(params, 'quota');
  }

  /**
   * `{ tag, providers: [{ name, weight, expected, uses, share, status }] }`: each provider's weight
   * against the share of runs it actually served, counted in every process (in one env).
   */
  async status(params: { tag: string; product?: string; env?: string }): Promise<QuotaStatus> {
    const parsed = parseOrThrow(statusSchema, params, 'invalid quota status parameters');
    const { defaults, catalog, uses, healthView, stores } = this.deps;
    const product = defaults.requireProduct(parsed.product);
    const env = defaults.requireEnv(parsed.env);
    const chain = await catalog.chain(product, parsed.tag);
    await stores.get(); // the health snapshot is loaded on connect
    const counts = await uses.read(product, env, chain.tag);
    const totalUses = Object.values(counts).reduce((a, n) => a + n, 0);
    const totalWeight = chain.providers.reduce((a, p) => a + weightOf(p), 0);
    return {
      tag: chain.tag,
      product,
      env,
      providers: chain.providers.map((p) => {
        const weight = weightOf(p);
        const used = counts[p.name] ?? 0;
        const health = healthView.peek({ product, env, healthcheck: p.healthcheck ?? p.name });
        return {
          name: p.name,
          weight,
          expected: totalWeight > 0 ? weight / totalWeight : 0,
          uses: used,
          share: totalUses > 0 ? used / totalUses : 0,
          status: weight === 0 ? 'drained' : (health?.provider_status ?? 'unknown'),
        };
      }),
    };
  }

  /** Starts counting a quota's uses again (in one env), as after a change of weights. */
  async resetStatus(params: { tag: string; product?: string; env?: string }): Promise<void> {
    const parsed = parseOrThrow(statusSchema, params, 'invalid quota status parameters');
    const product = this.deps.defaults.requireProduct(parsed.product);
    const env = this.deps.defaults.requireEnv(parsed.env);
    await this.deps.catalog.chain(product, parsed.tag);
    await this.deps.uses.reset(product, env, parsed.tag);
  }
}
