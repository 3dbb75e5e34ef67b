import { randomUUID } from 'node:crypto';
import { featuresAreNotCached } from '../cache/cache-definition.js';
import type { Feature } from '../core/feature/feature.js';
import type { FeatureDefinition } from '../core/feature/feature-schema.js';
import { type FeatureDeps, type NestedRunContext, runFeature } from '../core/feature/run-feature.js';
import type { StepRecord } from '../core/feature/step-record.js';
import { TargetUnavailableError } from '../core/provider-errors.js';
import type { TargetContext } from '../core/target.js';
import { NotFoundError, ValidationError } from '../core/validation-error.js';
import type { JobHandle, ScheduleHandle } from '../queue/job-handle.js';
import type { DispatchParams, Producer } from '../queue/producer.js';
import type { Claims } from '../session/session-registry.js';
import type { StoredFeature } from '../store/feature-store.js';
import type { FallbackApi } from './fallback-api.js';
import { type Internals, productAndTag, requireProduct } from './internals.js';
import { parseRunParams, type RunParams } from './run-params.js';

/** Nested features deeper than this are a definition loop, not a design. */
export const MAX_FEATURE_DEPTH = 8;

/** What `features.runDetailed` returns: the output and every step's record. */
export interface FeatureReport<T = unknown> {
  runId: string;
  feature: string;
  output: T;
  steps: StepRecord[];
  durationMs: number;
}

/**
 * `backstop.features` (seed 001 "Using Fallbacks in Features"): steps run in order, each an app
 * action, a fallback chain or another feature, passing data with `$Input{}` and
 * `$Sequence{step}{field}`. Stored in Redis like declarative fallbacks.
 */
export class FeaturesApi {
  readonly deps: FeatureDeps;

  constructor(
    private readonly internals: Internals,
    fallback: FallbackApi,
    private readonly producer: Producer,
  ) {
    this.deps = {
      engine: internals.engine,
      runFallback: (tag, input, ctx) =>
        fallback.runAtDepth(nestedParams(tag, input, ctx), ctx.depth, { session: ctx.session }),
      runFeature: (tag, input, ctx) =>
        this.runAtDepth(nestedParams(tag, input, ctx), ctx.depth, { session: ctx.session }),
    };
  }

  /** `features.create({ tag, name, input, events })`; creating the same feature again is a no-op. */
  async create(definition: FeatureDefinition): Promise<StoredFeature> {
    const product = requireProduct(this.internals, (definition as { product?: string })?.product);
    const { features } = await this.internals.runtime.get();
    return features.create(product, definition);
  }

  /** `fetch(tag)` or `fetch(product, tag)`. */
  async fetch(productOrTag: string, tag?: string): Promise<StoredFeature> {
    const [product, featureTag] = productAndTag(this.internals, 'feature', productOrTag, tag);
    const { features } = await this.internals.runtime.get();
    const stored = await features.fetch(product, featureTag);
    if (!stored) throw new NotFoundError('feature', featureTag, product);
    return stored;
  }

  async fetchAll(product?: string): Promise<StoredFeature[]> {
    const { features } = await this.internals.runtime.get();
    return features.list(product);
  }

  /** `update(tag, patch)` or `update(product, tag, patch)`: top-level fields replace; bumps the version. */
  async update(
    a: string,
    b: string | Partial<FeatureDefinition>,
    c?: Partial<FeatureDefinition>,
  ): Promise<StoredFeature> {
    const [product, tag] =
      typeof b === 'string'
        ? productAndTag(this.internals, 'feature', a, b)
        : productAndTag(this.internals, 'feature', a);
    const patch = typeof b === 'string' ? c : b;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    const { features } = await this.internals.runtime.get();
    return features.update(product, tag, patch as Record<string, unknown>);
  }

  async delete(productOrTag: string, tag?: string): Promise<void> {
    const [product, featureTag] = productAndTag(this.internals, 'feature', productOrTag, tag);
    const { features } = await this.internals.runtime.get();
    if (!(await features.delete(product, featureTag)))
      throw new NotFoundError('feature', featureTag, product);
  }

  /** Runs the feature's steps in order; resolves with its output or rejects naming the failed step. */
  async run<T = unknown>(params: RunParams): Promise<T> {
    return (await this.runDetailed<T>(params)).output;
  }

  /** Like `run`, with every step's output and attempt records. */
  runDetailed<T = unknown>(params: RunParams): Promise<FeatureReport<T>> {
    return this.runAtDepth<T>(params, 0);
  }

  /** Queues a feature run for a worker: now, after `schedule.delay`, at `schedule.at`, or recurring. */
  dispatch(params: DispatchParams): Promise<JobHandle | ScheduleHandle> {
    return this.producer.dispatch(params, 'feature');
  }

  /** @internal A feature run nested `depth` levels inside another feature or a fallback option. */
  async runAtDepth<T = unknown>(
    params: RunParams,
    depth: number,
    inherited?: { session: Claims | undefined },
  ): Promise<FeatureReport<T>> {
    const resolved = parseRunParams(params, this.internals.defaults);
    if (resolved.cache) {
      throw featuresAreNotCached();
    }
    const session = resolved.session
      ? await this.internals.sessions.verify(resolved.session)
      : inherited?.session;
    if (depth > MAX_FEATURE_DEPTH) {
      throw new TargetUnavailableError(
        `feature '${resolved.tag}' nested deeper than ${MAX_FEATURE_DEPTH} levels: check the features for a loop`,
      );
    }
    const feature = await this.resolve(resolved.product, resolved.tag);
    const input = feature.validateInput(resolved.input);
    const runId = resolved.runId ?? randomUUID();
    const started = performance.now();
    const outcome = await runFeature(this.deps, {
      feature,
      env: resolved.env,
      input,
      runId,
      runKey: resolved.idempotencyKey ?? runId,
      session,
      signal: resolved.signal,
      depth,
    });
    if (!outcome.ok) {
      this.internals.logger.warn(
        {
          runId,
          feature: feature.tag,
          product: feature.product,
          step: outcome.error.step,
          code: outcome.error.causeCode,
        },
        outcome.error.message,
      );
      throw outcome.error;
    }
    return {
      runId,
      feature: feature.tag,
      output: outcome.output as T,
      steps: outcome.steps,
      durationMs: performance.now() - started,
    };
  }

  async resolve(product: string, tag: string): Promise<Feature> {
    const { features } = await this.internals.runtime.get();
    const feature = await features.compiled(product, tag);
    if (!feature) throw new NotFoundError('feature', tag, product);
    return feature;
  }
}

/** The run parameters of a nested run: the parent's product, env, key root and signal. */
function nestedParams(tag: string, input: unknown, ctx: NestedRunContext): RunParams {
  return {
    product: ctx.product,
    env: ctx.env,
    tag,
    input: asInput(input, tag),
    idempotencyKey: ctx.runKey,
    signal: ctx.signal,
  };
}

/**
 * What a nested run inherits from the attempt of a workflow or feature target: the provider's
 * idempotency key roots the nested run's keys, one level deeper.
 */
export function nestedContextOf(ctx: TargetContext): NestedRunContext {
  return {
    product: ctx.product,
    env: ctx.env,
    runKey: ctx.idempotencyKey,
    depth: ctx.depth + 1,
    session: ctx.session,
    signal: ctx.signal,
  };
}

/** A step's mapped input becomes the nested run's input, which must be an object. */
function asInput(value: unknown, tag: string): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw ValidationError.field(
    'input',
    `the input mapped for '${tag}' must be an object, got ${JSON.stringify(value)}`,
  );
}
