import type { Defaults } from '../core/defaults.js';
import type { FeatureDefinition } from '../core/feature/feature-schema.js';
import type { RunParams } from '../core/run-target.js';
import { NotFoundError, ValidationError } from '../core/validation-error.js';
import type { JobHandle, ScheduleHandle } from '../queue/job-handle.js';
import type { DispatchParams, Producer } from '../queue/producer.js';
import type { FeatureReport } from '../runs/feature-report.js';
import type { Runs } from '../runs/runs.js';
import type { StoredFeature } from '../store/feature-store.js';
import type { RedisStores } from '../store/redis-stores.js';

/**
 * `backstop.features`: steps run in order, each an app action, a fallback chain or another
 * feature, passing data with `$Input{}` and `$Sequence{step}{field}`. Stored in Redis like
 * declarative fallbacks.
 */
export class FeaturesApi {
  constructor(
    private readonly stores: RedisStores,
    private readonly runs: Runs,
    private readonly producer: Producer,
    private readonly defaults: Defaults,
  ) {}

  /** `features.create({ tag, name, input, events })`; creating the same feature again is a no-op. */
  async create(definition: FeatureDefinition): Promise<StoredFeature> {
    const product = this.defaults.requireProduct((definition as { product?: string })?.product);
    const { features } = await this.stores.get();
    return features.create(product, definition);
  }

  /** `fetch(tag)` or `fetch(product, tag)`. */
  async fetch(productOrTag: string, tag?: string): Promise<StoredFeature> {
    const [product, featureTag] = this.defaults.productAndTag('feature', productOrTag, tag);
    const { features } = await this.stores.get();
    const stored = await features.fetch(product, featureTag);
    if (!stored) throw new NotFoundError('feature', featureTag, product);
    return stored;
  }

  async fetchAll(product?: string): Promise<StoredFeature[]> {
    const { features } = await this.stores.get();
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
        ? this.defaults.productAndTag('feature', a, b)
        : this.defaults.productAndTag('feature', a);
    const patch = typeof b === 'string' ? c : b;
    if (!patch || typeof patch !== 'object')
      throw ValidationError.field('patch', 'expected an object of fields to change');
    const { features } = await this.stores.get();
    return features.update(product, tag, patch as Record<string, unknown>);
  }

  async delete(productOrTag: string, tag?: string): Promise<void> {
    const [product, featureTag] = this.defaults.productAndTag('feature', productOrTag, tag);
    const { features } = await this.stores.get();
    if (!(await features.delete(product, featureTag)))
      throw new NotFoundError('feature', featureTag, product);
  }

  /** Runs the feature's steps in order; resolves with its output or rejects naming the failed step. */
  async run<T = unknown>(params: RunParams): Promise<T> {
    return (await this.runs.feature<T>(params)).output;
  }

  /** Like `run`, with every step's output and attempt records. */
  runDetailed<T = unknown>(params: RunParams): Promise<FeatureReport<T>> {
    return this.runs.feature<T>(params);
  }

  /** Queues a feature run for a worker: now, after `schedule.delay`, at `schedule.at`, or recurring. */
  dispatch(params: DispatchParams): Promise<JobHandle | ScheduleHandle> {
    return this.producer.dispatch(params, 'feature');
  }
}
