import {
  type CompiledApp,
  compileApp,
  type ParsedAppDefinition,
  parseApp,
} from '../core/definition/app-definition.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from '../core/definition/compile-context.js';
import { checkJsonDepth } from '../core/json-depth.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { Keys } from './keys.js';
import { VersionedRecords } from './versioned-record.js';

export interface StoredApp {
  definition: ParsedAppDefinition;
  version: number;
  updatedAt: string;
}

/** App definitions (base URLs, headers, actions) in Redis. `define` creates or replaces. */
export class AppStore {
  private readonly records: VersionedRecords<CompiledApp>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly context: CompileContext = DEFAULT_COMPILE_CONTEXT,
  ) {
    this.records = new VersionedRecords(
      redis,
      (json) => compileApp(JSON.parse(json) as ParsedAppDefinition, context),
      keys.definitionEvents(),
    );
  }

  /** Drops this process's compiled copy of a changed record. */
  invalidate(key: string): void {
    this.records.invalidate(key);
  }

  async define(raw: unknown): Promise<StoredApp> {
    checkJsonDepth(raw, this.context.maxJsonDepth, '', 'invalid app definition');
    const definition = parseApp(raw);
    compileApp(definition, this.context); // `$Secret{}` templates are checked before anything is stored
    const key = this.keys.app(definition.tag);
    const version = await this.records.upsert(
      key,
      this.keys.appIndex(),
      definition.tag,
      JSON.stringify(definition),
    );
    return { definition, version, updatedAt: new Date().toISOString() };
  }

  compiled(tag: string): Promise<CompiledApp | undefined> {
    return this.records.compiledValue(this.keys.app(tag));
  }

  async fetch(tag: string): Promise<StoredApp | undefined> {
    const record = await this.records.read(this.keys.app(tag));
    if (!record) return undefined;
    return {
      definition: JSON.parse(record.json) as ParsedAppDefinition,
      version: record.version,
      updatedAt: record.updatedAt,
    };
  }

  async list(): Promise<StoredApp[]> {
    const tags = (await this.redis.smembers(this.keys.appIndex())).sort();
    const apps = await Promise.all(tags.map((tag) => this.fetch(tag)));
    return apps.filter((a): a is StoredApp => a !== undefined);
  }

  delete(tag: string): Promise<boolean> {
    return this.records.delete(this.keys.app(tag), this.keys.appIndex(), tag);
  }
}
