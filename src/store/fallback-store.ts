import type { Redis } from 'ioredis';
import type { Chain } from '../core/chain.js';
import { compileDeclarative, parseDeclarative } from '../core/definition/declarative.js';
import type { ParsedDeclarativeDefinition } from '../core/definition/declarative-schema.js';
import { ConflictError, NotFoundError } from '../core/validation-error.js';
import type { Keys } from './keys.js';
import { type StoredRecord, VersionedRecords } from './versioned-record.js';

export interface StoredFallback {
  product: string;
  definition: ParsedDeclarativeDefinition;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const MAX_UPDATE_TRIES = 5;

/** Declarative (seed 001) fallback definitions in Redis, versioned, compiled once per version. */
export class FallbackStore {
  private readonly records: VersionedRecords<Chain>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    const compile = (json: string, version: number) => {
      const definition = JSON.parse(json) as ParsedDeclarativeDefinition & { product: string };
      return compileDeclarative(definition, definition.product, version);
    };
    this.records = new VersionedRecords(redis, compile, keys.definitionEvents());
  }

  /** Drops this process's compiled copy of a changed record. */
  invalidate(key: string): void {
    this.records.invalidate(key);
  }

  /**
   * Creates a definition. Creating the same definition again is a no-op (setup scripts can re-run);
   * a different definition under the same tag is a conflict: that is what `update` is for.
   */
  async create(product: string, raw: unknown): Promise<StoredFallback> {
    const definition = { ...parseDeclarative(raw), product };
    compileDeclarative(definition, product, 1); // templates and names are checked before anything is stored
    const json = JSON.stringify(definition);
    const key = this.keys.fallback(product, definition.tag);
    const created = await this.records.create(key, this.keys.fallbackIndex(product), definition.tag, json, [
      this.keys.products(),
      product,
    ]);
    const stored = await this.records.read(key);
    if (!stored) throw new NotFoundError('fallback', definition.tag, product);
    if (!created && stored.json !== json) {
      throw new ConflictError(
        `fallback '${definition.tag}' already exists in product '${product}' with a different definition; use fallback.update()`,
      );
    }
    return toStored(product, stored);
  }

  async fetch(product: string, tag: string): Promise<StoredFallback | undefined> {
    const stored = await this.records.read(this.keys.fallback(product, tag));
    return stored && toStored(product, stored);
  }

  chain(product: string, tag: string): Promise<Chain | undefined> {
    return this.records.compiledValue(this.keys.fallback(product, tag));
  }

  /** Merges the patch over the stored definition (top-level fields replace), re-validates, bumps the version. */
  async update(product: string, tag: string, patch: Record<string, unknown>): Promise<StoredFallback> {
    const key = this.keys.fallback(product, tag);
    for (let tries = 0; tries < MAX_UPDATE_TRIES; tries++) {
      const current = await this.records.read(key);
      if (!current) throw new NotFoundError('fallback', tag, product);
      const { product: _ignored, ...base } = JSON.parse(current.json) as Record<string, unknown>;
      const definition = { ...parseDeclarative({ ...base, ...patch, tag }), product };
      compileDeclarative(definition, product, current.version + 1);
      const result = await this.records.compareAndSet(key, current.version, JSON.stringify(definition));
      if (result === undefined) throw new NotFoundError('fallback', tag, product);
      if (result === 'conflict') continue;
      // What this update wrote, not a re-read: a concurrent update may already have followed it.
      const { product: _p, ...written } = definition;
      return {
        product,
        definition: written,
        version: result,
        createdAt: current.createdAt,
        updatedAt: new Date().toISOString(),
      };
    }
    throw new ConflictError(
      `fallback '${tag}' in product '${product}' kept changing during update; try again`,
    );
  }

  delete(product: string, tag: string): Promise<boolean> {
    return this.records.delete(this.keys.fallback(product, tag), this.keys.fallbackIndex(product), tag);
  }

  async list(product?: string): Promise<StoredFallback[]> {
    const products = product ? [product] : (await this.redis.smembers(this.keys.products())).sort();
    const out: StoredFallback[] = [];
    for (const p of products) {
      const tags = (await this.redis.smembers(this.keys.fallbackIndex(p))).sort();
      const records = await Promise.all(tags.map((tag) => this.fetch(p, tag)));
      for (const record of records) if (record) out.push(record);
    }
    return out;
  }
}

function toStored(product: string, record: StoredRecord): StoredFallback {
  const { product: _p, ...definition } = JSON.parse(record.json) as ParsedDeclarativeDefinition & {
    product: string;
  };
  return {
    product,
    definition,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
