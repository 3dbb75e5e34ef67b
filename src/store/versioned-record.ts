import type { RedisClient } from '../redis/redis-client.js';
import { compareAndSetRecord, createRecord, deleteRecord, upsertRecord } from './versioned-scripts.js';

export interface StoredRecord {
  version: number;
  json: string;
  createdAt: string;
  updatedAt: string;
}

/** How long a compiled definition is trusted without asking Redis, should a change message be lost. */
export const DEFINITION_FRESH_MS = 5_000;

/**
 * Versioned JSON records in Redis, with a local cache of what each version compiles to. Every
 * write publishes the record's key on `channel`; processes that subscribe (see client/runtime.ts)
 * drop their copy at once, so a run or a dispatch does not ask Redis at all while its copy is
 * fresh, and asks one small `HGET version` once it is older than DEFINITION_FRESH_MS.
 */
export class VersionedRecords<T> {
  private readonly compiled = new Map<string, { version: number; value: T; checkedAt: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly compile: (json: string, version: number) => T,
    private readonly channel: string,
  ) {}

  /** Forgets the compiled copy of `key` (another process changed it). */
  invalidate(key: string): void {
    this.compiled.delete(key);
  }

  private async changed(key: string): Promise<void> {
    this.compiled.delete(key);
    await this.redis.publish(this.channel, key);
  }

  async create(
    key: string,
    index: string,
    member: string,
    json: string,
    extra?: [string, string],
  ): Promise<boolean> {
    const keys = extra ? [key, index, extra[0]] : [key, index];
    const args = extra ? [json, now(), member, extra[1]] : [json, now(), member];
    const created = (await createRecord(this.redis, keys, args)) === 1;
    if (created) await this.changed(key);
    return created;
  }

  /** → the new version, `undefined` when the record is gone, `'conflict'` when the version moved. */
  async compareAndSet(key: string, expected: number, json: string): Promise<number | undefined | 'conflict'> {
    const result = Number(await compareAndSetRecord(this.redis, [key], [expected, json, now()]));
    if (result === 0) return undefined;
    if (result === -1) return 'conflict';
    await this.changed(key);
    return result;
  }

  async upsert(key: string, index: string, member: string, json: string): Promise<number> {
    const version = Number(await upsertRecord(this.redis, [key, index], [json, now(), member]));
    await this.changed(key);
    return version;
  }

  async delete(key: string, index: string, member: string): Promise<boolean> {
    const deleted = Number(await deleteRecord(this.redis, [key, index], [member])) === 1;
    await this.changed(key);
    return deleted;
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
    const cached = this.compiled.get(key);
    const at = Date.now();
    if (cached && at - cached.checkedAt < DEFINITION_FRESH_MS) return cached.value;
    const version = await this.redis.hget(key, 'version');
    if (!version) {
      this.compiled.delete(key);
      return undefined;
    }
    if (cached && cached.version === Number(version)) {
      cached.checkedAt = at;
      return cached.value;
    }
    const record = await this.read(key);
    if (!record) return undefined;
    const value = this.compile(record.json, record.version);
    this.compiled.set(key, { version: record.version, value, checkedAt: at });
    return value;
  }
}

function now(): string {
  return new Date().toISOString();
}
