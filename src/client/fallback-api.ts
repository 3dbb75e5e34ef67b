import { z } from 'zod';
import type { BatchOutcome } from '../core/batch/batch-result.js';
import type { Defaults } from '../core/defaults.js';
import type { CodeFirstDefinition } from '../core/definition/code-first.js';
import type { DeclarativeDefinition } from '../core/definition/declarative-schema.js';
import type { RunParams } from '../core/run-target.js';
import type { OneOffSchedule, RecurringSchedule } from '../core/schedule.js';
import { ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { FallbackDescription } from '../definitions/describe-fallback.js';
import type { FallbackCatalog } from '../definitions/fallback-catalog.js';
import type { JobHandle, ScheduleHandle } from '../queue/job-handle.js';
import { jobIdSchema } from '../queue/job-id.js';
import type { DispatchParams, Producer } from '../queue/producer.js';
import { type BatchParams, batchParamsShape } from '../runs/batch-runs.js';
import type { RunReport } from '../runs/run-report.js';
import type { Runs } from '../runs/runs.js';

type Patch = Partial<DeclarativeDefinition> | Partial<CodeFirstDefinition>;

const batchDispatchSchema = z.strictObject({
  ...batchParamsShape,
  schedule: z.unknown().optional(),
  jobId: jobIdSchema.optional(),
});

/** `fallback.dispatchBatch({ tag, items, env, product, session, idempotencyKey, concurrency, schedule, jobId })`. */
export type BatchDispatchParams = z.input<typeof batchDispatchSchema> & { schedule?: OneOffSchedule };

/** `backstop.fallback`: define, store, run and dispatch fallback chains. */
export class FallbackApi {
  constructor(
    private readonly catalog: FallbackCatalog,
    private readonly runs: Runs,
    private readonly producer: Producer,
    private readonly defaults: Defaults,
  ) {}

  /**
   * Queues a run for a worker: now, after `schedule.delay`, at `schedule.at`, or on a recurring
   * `schedule.cron` / `schedule.every`. Everything is validated before anything is queued.
   */
  dispatch(params: DispatchParams & { schedule: RecurringSchedule }): Promise<ScheduleHandle>;
  dispatch(params: DispatchParams & { schedule?: OneOffSchedule }): Promise<JobHandle>;
  dispatch(params: DispatchParams): Promise<JobHandle | ScheduleHandle>;
  dispatch(params: DispatchParams): Promise<JobHandle | ScheduleHandle> {
    return this.producer.dispatch(params);
  }

  /** Many one-off dispatches in one round trip; one invalid item queues none. */
  dispatchBulk(list: DispatchParams[]): Promise<JobHandle[]> {
    return this.producer.dispatchBulk(list);
  }

  /** A code-first chain (`handler: (ctx) => { ctx.primary(…); ctx.fallback(…) }`), kept in this process. */
  define(definition: CodeFirstDefinition): Promise<FallbackDescription> {
    return this.catalog.define(definition);
  }

  /**
   * A declarative chain (`options: [...]` with `$Input{}` / `$Response{}` templates), stored in
   * Redis for every process. `create(product, definition)` is the other call form; a code-first
   * definition passed here is defined as `define` does.
   */
  async create(definition: DeclarativeDefinition | CodeFirstDefinition): Promise<FallbackDescription>;
  async create(
    product: string,
    definition: DeclarativeDefinition | CodeFirstDefinition,
  ): Promise<FallbackDescription>;
  async create(
    a: string | DeclarativeDefinition | CodeFirstDefinition,
    b?: DeclarativeDefinition | CodeFirstDefinition,
  ) {
    const definition = typeof a === 'string' ? { ...b, product: a } : a;
    if (isCodeFirst(definition)) return this.define(definition);
    const product = this.defaults.requireProduct((definition as { product?: string })?.product);
    return this.catalog.create(product, definition);
  }

  /** `fetch(tag)` (the default product) or `fetch(product, tag)`, with the providers' tracked state. */
  async fetch(productOrTag: string, tag?: string): Promise<FallbackDescription> {
    const [product, fallbackTag] = this.defaults.productAndTag('fallback', productOrTag, tag);
    return this.catalog.describe(product, fallbackTag);
  }

  /** Every fallback, stored and code-first; of one product when given. */
  fetchAll(product?: string): Promise<FallbackDescription[]> {
    return this.catalog.list(product);
  }

  /** `update(tag, patch)` or `update(product, tag, patch)`; bumps the version. */
  async update(tag: string, patch: Patch): Promise<FallbackDescription>;
  async update(product: string, tag: string, patch: Patch): Promise<FallbackDescription>;
  async update(a: string, b: string | Patch, c?: Patch): Promise<FallbackDescription> {
    const [product, tag] =
      typeof b === 'string'
        ? this.defaults.productAndTag('fallback', a, b)
        : this.defaults.productAndTag('fallback', a);
    const patch = (typeof b === 'string' ? c : b) as Record<string, unknown> | undefined;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    return this.catalog.update(product, tag, patch);
  }

  /** `delete(tag)` or `delete(product, tag)`; drops its `check_interval` overrides too. */
  async delete(productOrTag: string, tag?: string): Promise<void> {
    const [product, fallbackTag] = this.defaults.productAndTag('fallback', productOrTag, tag);
    return this.catalog.delete(product, fallbackTag);
  }

  /** Runs the chain; resolves with `{ provider, ...mappedOutput }` or rejects with a FallbackRunError. */
  async run<T = Record<string, unknown>>(params: RunParams): Promise<T & { provider: string }> {
    return (await this.runs.fallback<T>(params)).result;
  }

  /**
   * Many items through the chain, tier by tier: a provider with `batch: { maxSize }` gets them in
   * calls of up to `maxSize` and answers per item; the items it failed (or all of a call it could
   * not attribute) go to the next provider, the ones it served stop there; others get items one by
   * one, `concurrency` at a time. Resolves with every item's provider and output, or its error, in
   * input order (an item that no provider served is not a rejection).
   */
  runBatch(params: BatchParams): Promise<BatchOutcome> {
    return this.runs.batch(params);
  }

  /**
   * A batch run queued for a worker (now, after `schedule.delay` or at `schedule.at`): the job
   * completes with what `runBatch` resolves with, every item's result in input order.
   */
  async dispatchBatch(params: BatchDispatchParams): Promise<JobHandle> {
    const parsed = parseOrThrow(batchDispatchSchema, params, 'invalid batch dispatch parameters');
    const { items, concurrency, ...rest } = parsed;
    const input = concurrency ? { items, concurrency } : { items };
    return this.producer.dispatch({ ...rest, input } as DispatchParams, 'batch') as Promise<JobHandle>;
  }

  /** Like `run`, with the run id and the attempt record of every provider tried or skipped. */
  runDetailed<T = Record<string, unknown>>(params: RunParams): Promise<RunReport<T>> {
    return this.runs.fallback<T>(params);
  }
}

function isCodeFirst(definition: unknown): definition is CodeFirstDefinition {
  return typeof (definition as { handler?: unknown })?.handler === 'function';
}
