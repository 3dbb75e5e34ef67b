import { ConflictError, NotFoundError } from '../core/validation-error.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from './keys.js';
import { type StoredRecord, VersionedRecords } from './versioned-record.js';

/** A definition as stored: the parsed JSON, its product and version. */
export interface StoredDefinition<P> {
  product: string;
  definition: P;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What differs between kinds of product-scoped definitions (fallbacks, features). */
export interface DefinitionKind<P extends { tag: string }, C> {
  /** `fallback`, `feature`: used in messages. */
  name: string;
  /** How to call update in messages, e.g. `fallback.update()`. */
  updateCall: string;
  key(keys: Keys, product: string, tag: string): string;
  index(keys: Keys, product: string): string;
  /** Validates raw input; throws a ValidationError naming the field. */
  parse(raw: unknown): P;
  /** Compiles once per version; also run before storing, so that nothing invalid is stored. */
  compile(definition: P, product: string, version: number): C;
}

/** A patch, or a function of the current definition giving one (read and applied in one CAS). */
export type DefinitionPatch<P> = Record<string, unknown> | ((current: P) => Record<string, unknown>);

/** Checks a compiled definition before it is written (what it names exists); throws to refuse it. */
export type BeforeWrite<C> = (compiled: C) => Promise<void>;

const MAX_UPDATE_TRIES = 5;

/**
 * Product-scoped declarative definitions in Redis: versioned, compiled once per version, written
 * with compare-and-set so that concurrent updates never lose one another.
 */
export class ProductDefinitionStore<P extends { tag: string }, C> {
  private readonly records: VersionedRecords<C>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly kind: DefinitionKind<P, C>,
  ) {
    const compile = (json: string, version: number) => {
      const { product, ...definition } = JSON.parse(json) as P & { product: string };
      return kind.compile(definition as unknown as P, product, version);
    };
    this.records = new VersionedRecords(redis, compile, keys.definitionEvents());
  }

  /** Drops this process's compiled copy of a changed record. */
  invalidate(key: string): void {
    this.records.invalidate(key);
  }

  /**
   * Creates a definition. Creating the same definition again is a no-op (setup scripts can re-run);
   * a different definition under the same tag is a conflict: that is what update is for.
   */
  async create(product: string, raw: unknown, check?: BeforeWrite<C>): Promise<StoredDefinition<P>> {
    const definition = this.kind.parse(raw);
    const compiled = this.kind.compile(definition, product, 1); // checked before anything is stored
    await check?.(compiled);
    const json = JSON.stringify({ ...definition, product });
    const key = this.kind.key(this.keys, product, definition.tag);
    const created = await this.records.create(
      key,
      this.kind.index(this.keys, product),
      definition.tag,
      json,
      [this.keys.products(), product],
    );
    const stored = await this.records.read(key);
    if (!stored) throw new NotFoundError(this.kind.name, definition.tag, product);
    if (!created && stored.json !== json) {
      throw new ConflictError(
        `${this.kind.name} '${definition.tag}' already exists in product '${product}' with a different definition; use ${this.kind.updateCall}`,
      );
    }
    return toStored(product, stored);
  }

  async fetch(product: string, tag: string): Promise<StoredDefinition<P> | undefined> {
    const stored = await this.records.read(this.kind.key(this.keys, product, tag));
    return stored && toStored(product, stored);
  }

  compiled(product: string, tag: string): Promise<C | undefined> {
    return this.records.compiledValue(this.kind.key(this.keys, product, tag));
  }

  /** Merges the patch over the stored definition (top-level fields replace), re-validates, bumps the version. */
  async update(
    product: string,
    tag: string,
    patch: DefinitionPatch<P>,
    check?: BeforeWrite<C>,
  ): Promise<StoredDefinition<P>> {
    const key = this.kind.key(this.keys, product, tag);
    for (let tries = 0; tries < MAX_UPDATE_TRIES; tries++) {
      const current = await this.records.read(key);
      if (!current) throw new NotFoundError(this.kind.name, tag, product);
      const { product: _ignored, ...base } = JSON.parse(current.json) as P & { product: string };
      const changes = typeof patch === 'function' ? patch(base as unknown as P) : patch;
      const definition = this.kind.parse({ ...base, ...changes, tag });
      const compiled = this.kind.compile(definition, product, current.version + 1);
      await check?.(compiled);
      const result = await this.records.compareAndSet(
        key,
        current.version,
        JSON.stringify({ ...definition, product }),
      );
      if (result === undefined) throw new NotFoundError(this.kind.name, tag, product);
      if (result === 'conflict') continue;
      // What this update wrote, not a re-read: a concurrent update may already have followed it.
      return {
        product,
        definition,
        version: result,
        createdAt: current.createdAt,
        updatedAt: new Date().toISOString(),
      };
    }
    throw new ConflictError(
      `${this.kind.name} '${tag}' in product '${product}' kept changing during update; try again`,
    );
  }

  delete(product: string, tag: string): Promise<boolean> {
    return this.records.delete(
      this.kind.key(this.keys, product, tag),
      this.kind.index(this.keys, product),
      tag,
    );
  }

  async list(product?: string): Promise<StoredDefinition<P>[]> {
    const products = product ? [product] : (await this.redis.smembers(this.keys.products())).sort();
    const out: StoredDefinition<P>[] = [];
    for (const p of products) {
      const tags = (await this.redis.smembers(this.kind.index(this.keys, p))).sort();
      const records = await Promise.all(tags.map((tag) => this.fetch(p, tag)));
      for (const record of records) if (record) out.push(record);
    }
    return out;
  }
}

function toStored<P>(product: string, record: StoredRecord): StoredDefinition<P> {
  const { product: _p, ...definition } = JSON.parse(record.json) as P & { product: string };
  return {
    product,
    definition: definition as P,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
