import { randomUUID } from 'node:crypto';
import { cacheScopeOf } from '../cache/cache-key.js';
import { runThroughCache } from '../cache/cached-run.js';
import type { Chain } from '../core/chain.js';
import { type CodeFirstDefinition, compileCodeFirst } from '../core/definition/code-first.js';
import type {
  DeclarativeDefinition,
  ParsedDeclarativeDefinition,
} from '../core/definition/declarative-schema.js';
import { runChain } from '../core/run-chain.js';
import type { OneOffSchedule, RecurringSchedule } from '../core/schedule.js';
import { NotFoundError, ValidationError } from '../core/validation-error.js';
import type { JobHandle, ScheduleHandle } from '../queue/job-handle.js';
import type { DispatchParams, Producer } from '../queue/producer.js';
import type { Claims } from '../session/session-registry.js';
import type { DefinitionPatch } from '../store/product-definition-store.js';
import { describeChain, describeStored, type FallbackDescription } from './describe.js';
import { type Internals, productAndTag, requireProduct } from './internals.js';
import { parseRunParams, type RunParams } from './run-params.js';
import type { RunReport } from './run-report.js';

type Patch = Partial<DeclarativeDefinition> | Partial<CodeFirstDefinition>;

/** `backstop.fallback`: define, store and run fallback chains. */
export class FallbackApi {
  constructor(
    private readonly internals: Internals,
    private readonly producer: Producer,
  ) {}

  /**
   * Queues a run for a worker (seed 003): now, after `schedule.delay`, at `schedule.at`, or on a
   * recurring `schedule.cron` / `schedule.every`. Everything is validated before anything is queued.
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

  /** Seed 003: a code-first chain, kept in this process's registry. */
  async define(definition: CodeFirstDefinition): Promise<FallbackDescription> {
    const { code, defaults } = this.internals;
    const product = requireProduct(this.internals, definition?.product);
    const previous = code.get(product, definition?.tag);
    const chain = await compileCodeFirst(
      definition,
      defaults.product,
      (previous?.version ?? 0) + 1,
      this.internals.compile,
    );
    code.set(chain, definition);
    await this.noteHealthchecks(chain);
    return this.describe(chain);
  }

  /** Seed 001: a declarative chain, stored in Redis. `create(product, definition)` is seed 003's form. */
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
    const product = requireProduct(this.internals, (definition as { product?: string })?.product);
    const { fallbacks } = await this.internals.runtime.get();
    const stored = await fallbacks.create(product, definition);
    await this.noteHealthchecks(await this.resolve(product, stored.definition.tag));
    return describeStored(stored, this.internals.health, this.env());
  }

  /** `fetch(tag)` (seed 001, default product) or `fetch(product, tag)` (seed 003). */
  async fetch(productOrTag: string, tag?: string): Promise<FallbackDescription> {
    const [product, fallbackTag] = productAndTag(this.internals, 'fallback', productOrTag, tag);
    return this.describeIn(product, fallbackTag, this.env());
  }

  /** @internal The definition with its providers' tracked state in `env`. */
  async describeIn(product: string, tag: string, env: string): Promise<FallbackDescription> {
    const chain = this.internals.code.get(product, tag);
    if (chain) return describeChain(chain, this.internals.health, env);
    const { fallbacks } = await this.internals.runtime.get();
    const stored = await fallbacks.fetch(product, tag);
    if (!stored) throw new NotFoundError('fallback', tag, product);
    return describeStored(stored, this.internals.health, env);
  }

  /** Every fallback, stored and code-first; of one product when given. */
  async fetchAll(product?: string): Promise<FallbackDescription[]> {
    const { fallbacks } = await this.internals.runtime.get();
    const stored = (await fallbacks.list(product)).map((s) =>
      describeStored(s, this.internals.health, this.env()),
    );
    const code = this.internals.code.list(product).map((c) => this.describe(c));
    return [...stored, ...code];
  }

  /** `update(tag, patch)` or `update(product, tag, patch)`; bumps the version. */
  async update(tag: string, patch: Patch): Promise<FallbackDescription>;
  async update(product: string, tag: string, patch: Patch): Promise<FallbackDescription>;
  async update(a: string, b: string | Patch, c?: Patch): Promise<FallbackDescription> {
    const [product, tag] =
      typeof b === 'string'
        ? productAndTag(this.internals, 'fallback', a, b)
        : productAndTag(this.internals, 'fallback', a);
    const patch = (typeof b === 'string' ? c : b) as Record<string, unknown> | undefined;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    const codeDefinition = this.internals.code.definition(product, tag);
    if (codeDefinition)
      return this.define({ ...codeDefinition, ...(patch as Partial<CodeFirstDefinition>), product, tag });
    return this.updateStored(product, tag, patch);
  }

  /** @internal Updates a stored definition; a function patch is applied to the definition the CAS read. */
  async updateStored(product: string, tag: string, patch: DefinitionPatch<ParsedDeclarativeDefinition>) {
    const { fallbacks } = await this.internals.runtime.get();
    const stored = await fallbacks.update(product, tag, patch);
    await this.noteHealthchecks(await this.resolve(product, tag));
    return describeStored(stored, this.internals.health, this.env());
  }

  /** `delete(tag)` or `delete(product, tag)`; drops its `check_interval` overrides too. */
  async delete(productOrTag: string, tag?: string): Promise<void> {
    const [product, fallbackTag] = productAndTag(this.internals, 'fallback', productOrTag, tag);
    const chain = await this.resolve(product, fallbackTag);
    if (!this.internals.code.delete(product, fallbackTag)) {
      const { fallbacks } = await this.internals.runtime.get();
      if (!(await fallbacks.delete(product, fallbackTag)))
        throw new NotFoundError('fallback', fallbackTag, product);
    }
    await this.noteHealthchecks({
      ...chain,
      providers: chain.providers.map((p) => ({ ...p, checkInterval: undefined })),
    });
  }

  /** Runs the chain; resolves with `{ provider, ...mappedOutput }` or rejects with a FallbackRunError. */
  async run<T = Record<string, unknown>>(params: RunParams): Promise<T & { provider: string }> {
    return (await this.runDetailed<T>(params)).result;
  }

  /** Like `run`, with the run id and the attempt record of every provider tried or skipped. */
  runDetailed<T = Record<string, unknown>>(params: RunParams): Promise<RunReport<T>> {
    return this.runAtDepth<T>(params, 0);
  }

  /**
   * @internal A run nested `depth` levels inside workflow or feature targets; a nested run inherits
   * its parent's verified session claims instead of verifying a token again.
   */
  async runAtDepth<T = Record<string, unknown>>(
    params: RunParams,
    depth: number,
    inherited?: { session: Claims | undefined },
  ): Promise<RunReport<T>> {
    const resolved = parseRunParams(params, this.internals.defaults);
    // The token is checked first: an invalid session calls nothing and reveals nothing.
    const session = resolved.session
      ? await this.internals.sessions.verify(resolved.session)
      : inherited?.session;
    const chain = await this.resolve(resolved.product, resolved.tag);
    const input = chain.validateInput(resolved.input);
    // Provider state lives in Redis: a chain with healthchecks waits for the snapshot, once.
    if (!this.internals.runtime.connected && chain.providers.some((p) => p.healthcheck)) {
      await this.internals.runtime.get();
    }
    const runId = resolved.runId ?? randomUUID();
    const started = performance.now();
    const request = {
      chain,
      env: resolved.env,
      input,
      runId,
      runKey: resolved.idempotencyKey ?? runId,
      signal: resolved.signal,
      depth,
      session,
    };
    const cacheTag = resolved.cache;
    // Without a cache, the engine directly: no closure or extra promise on the common path.
    const { outcome, cache } = cacheTag
      ? await runThroughCache(
          (await this.internals.runtime.get()).results,
          { cacheTag, ...cacheScopeOf(chain, resolved.env, input, session) },
          runId,
          () => runChain(this.internals.engine, request),
          resolved.signal,
        )
      : { outcome: await runChain(this.internals.engine, request), cache: undefined };
    if (!outcome.ok) {
      this.internals.logger.warn(
        { runId, tag: chain.tag, product: chain.product, err: outcome.error },
        outcome.error.message,
      );
      throw outcome.error;
    }
    return {
      runId,
      provider: outcome.provider,
      result: outcome.result as T & { provider: string },
      attempts: outcome.attempts,
      durationMs: performance.now() - started,
      cache,
    };
  }

  /** The chain for a tag: this process's code-first definitions first, then Redis. */
  async resolve(product: string, tag: string): Promise<Chain> {
    const chain = this.internals.code.get(product, tag);
    if (chain) return chain;
    const { fallbacks } = await this.internals.runtime.get();
    const stored = await fallbacks.chain(product, tag);
    if (!stored) throw new NotFoundError('fallback', tag, product);
    return stored;
  }

  /** Seed 001/003: options' `check_interval` overrides how often their healthchecks probe. */
  private async noteHealthchecks(chain: Chain): Promise<void> {
    if (!chain.providers.some((p) => p.healthcheck)) return;
    await this.internals.runtime.get();
    await this.internals.healthRuntime.noteIntervals(chain.product, chain.tag, chain.providers);
  }

  private describe(chain: Chain): FallbackDescription {
    return describeChain(chain, this.internals.health, this.env());
  }

  private env(): string {
    return this.internals.defaults.env ?? 'default';
  }
}

function isCodeFirst(definition: unknown): definition is CodeFirstDefinition {
  return typeof (definition as { handler?: unknown })?.handler === 'function';
}
