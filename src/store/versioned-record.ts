import type { Redis } from 'ioredis';
import { COMPARE_AND_SET, CREATE, DELETE, UPSERT } from './versioned-scripts.js';

export interface StoredRecord {
  version: number;
  json: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Versioned JSON records in Redis, with a local cache of what each version compiles to, so that a
 * run pays one small `HGET version` instead of a parse and a compile.
 */
export class VersionedRecords<T> {
  private readonly compiled = new Map<string, { version: number; value: T }>();

  constructor(
    private readonly redis: Redis,
    private readonly compile: (json: string, version: number) => T,
  ) {}

  async create(
    key: string,
    index: string,
    member: string,
    json: string,
    extra?: [string, string],
  ): Promise<boolean> {
    const keys = extra ? [key, index, extra[0]] : [key, index];
    const args = extra ? [json, now(), member, extra[1]] : [json, now(), member];
    return (await this.redis.eval(CREATE, keys.length, ...keys, ...args)) === 1;
  }

  /** → the new version, `undefined` when the record is gone, `'conflict'` when the version moved. */
  async compareAndSet(key: string, expected: number, json: string): Promise<number | undefined | 'conflict'> {
    const result = Number(await this.redis.eval(COMPARE_AND_SET, 1, key, String(expected), json, now()));
    if (result === 0) return undefined;
    if (result === -1) return 'conflict';
    return result;
  }

  async upsert(key: string, index: string, member: string, json: string): Promise<number> {
    return Number(await this.redis.eval(UPSERT, 2, key, index, json, now(), member));
  }

  async delete(key: string, index: string, member: string): Promise<boolean> {
    this.compiled.delete(key);
    return Number(await this.redis.eval(DELETE, 2, key, index, member)) === 1;
  }

  async read(key: string): Promise<StoredRecord | undefined> {
    const [version, json, createdAt, updatedAt] = await this.redis.hmget(
      key,
      'version',
      'json',
      'createdAt',
      'updatedAt',
    );
    if (!version || !json) return undefined;
    return { version: Number(version), json, createdAt: createdAt ?? '', updatedAt: updatedAt ?? '' };
  }

  /** The compiled value of the current version; compiles only when the version changed. */
  async compiledValue(key: string): Promise<T | undefined> {
    const version = await this.redis.hget(key, 'version');
    if (!version) {
      this.compiled.delete(key);
      return undefined;
    }
    const cached = this.compiled.get(key);
    if (cached && cached.version === Number(version)) return cached.value;
    const record = await this.read(key);
    if (!record) return undefined;
    const value = this.compile(record.json, record.version);
    this.compiled.set(key, { version: record.version, value });
    return value;
  }
}

function now(): string {
  return new Date().toISOString();
}
