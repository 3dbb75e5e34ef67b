import { type HealthcheckDefinition, healthcheckSchema } from '../core/health/healthcheck-schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from './keys.js';
import { VersionedRecords } from './versioned-record.js';

export interface StoredHealthcheck {
  product: string;
  definition: HealthcheckDefinition;
  version: number;
  updatedAt: string;
}

/** Declarative healthchecks (`health.create`) in Redis, versioned like fallbacks. */
export class HealthcheckStore {
  private readonly records: VersionedRecords<HealthcheckDefinition>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.records = new VersionedRecords(
      redis,
      (json) => JSON.parse(json) as HealthcheckDefinition,
      keys.definitionEvents(),
    );
  }

  /** Drops this process's compiled copy of a changed record. */
  invalidate(key: string): void {
    this.records.invalidate(key);
  }

  /** Same definition again: a no-op; a different one under the tag: a conflict (use update). */
  async create(product: string, definition: HealthcheckDefinition): Promise<StoredHealthcheck> {
    const json = JSON.stringify(definition);
    const key = this.keys.healthcheck(product, definition.tag);
    const created = await this.records.create(
      key,
      this.keys.healthcheckIndex(product),
      definition.tag,
      json,
      [this.keys.healthcheckProducts(), product],
    );
    const stored = await this.records.read(key);
    if (!stored) throw new NotFoundError('healthcheck', definition.tag, product);
    if (!created && stored.json !== json) {
      throw new ConflictError(
        `healthcheck '${definition.tag}' already exists in product '${product}' with a different definition; use health.update()`,
      );
    }
    return { product, definition, version: stored.version, updatedAt: stored.updatedAt };
  }

  async fetch(product: string, tag: string): Promise<StoredHealthcheck | undefined> {
    const stored = await this.records.read(this.keys.healthcheck(product, tag));
    if (!stored) return undefined;
    return {
      product,
      definition: JSON.parse(stored.json) as HealthcheckDefinition,
      version: stored.version,
      updatedAt: stored.updatedAt,
    };
  }

  definition(product: string, tag: string): Promise<HealthcheckDefinition | undefined> {
    return this.records.compiledValue(this.keys.healthcheck(product, tag));
  }

  async update(
    product: string,
    tag: string,
    patch: Record<string, unknown>,
    check?: (definition: HealthcheckDefinition) => Promise<void>,
  ): Promise<StoredHealthcheck> {
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.fetch(product, tag);
      if (!current) throw new NotFoundError('healthcheck', tag, product);
      const definition = parseHealthcheck({ ...current.definition, ...patch, tag });
      await check?.(definition);
      const result = await this.records.compareAndSet(
        this.keys.healthcheck(product, tag),
        current.version,
        JSON.stringify(definition),
      );
      if (result === undefined) throw new NotFoundError('healthcheck', tag, product);
      if (result === 'conflict') continue;
      // What this update wrote, not a re-read: a concurrent update may already have followed it.
      return { product, definition, version: result, updatedAt: new Date().toISOString() };
    }
    throw new ConflictError(`healthcheck '${tag}' kept changing during update; try again`);
  }

  delete(product: string, tag: string): Promise<boolean> {
    return this.records.delete(this.keys.healthcheck(product, tag), this.keys.healthcheckIndex(product), tag);
  }

  /** The healthchecks of one product, or of every product. */
  async list(product?: string): Promise<StoredHealthcheck[]> {
    const products = product
      ? [product]
      : (await this.redis.smembers(this.keys.healthcheckProducts())).sort();
    const out: StoredHealthcheck[] = [];
    for (const p of products) {
      const tags = (await this.redis.smembers(this.keys.healthcheckIndex(p))).sort();
      const all = await Promise.all(tags.map((tag) => this.fetch(p, tag)));
      out.push(...all.filter((h): h is StoredHealthcheck => h !== undefined));
    }
    return out;
  }
}

/** Validates a healthcheck; one probed by a code-first handler needs no app or url. */
export function parseHealthcheck(raw: unknown, hasHandler = false): HealthcheckDefinition {
  const definition = parseOrThrow(healthcheckSchema, raw, 'invalid healthcheck');
  if (!hasHandler && !definition.url && !definition.app) {
    throw ValidationError.field(
      'app',
      'a healthcheck probes an app action (app and event) or a url (url, expectStatus)',
      'invalid healthcheck',
    );
  }
  return definition;
}
