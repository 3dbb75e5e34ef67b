import type { AppDefinition } from '../core/definition/app-definition.js';
import { NotFoundError } from '../core/validation-error.js';
import type { StoredApp } from '../store/app-store.js';
import type { RedisStores } from '../store/redis-stores.js';

/** `backstop.app`: the HTTP apps whose actions providers call. */
export class AppApi {
  constructor(private readonly stores: RedisStores) {}

  /** Creates or replaces an app; bumps its version. */
  async define(definition: AppDefinition): Promise<StoredApp> {
    const { apps } = await this.stores.get();
    return apps.define(definition);
  }

  async fetch(tag: string): Promise<StoredApp> {
    const { apps } = await this.stores.get();
    const app = await apps.fetch(tag);
    if (!app) throw new NotFoundError('app', tag);
    return app;
  }

  async fetchAll(): Promise<StoredApp[]> {
    const { apps } = await this.stores.get();
    return apps.list();
  }

  async delete(tag: string): Promise<void> {
    const { apps } = await this.stores.get();
    if (!(await apps.delete(tag))) throw new NotFoundError('app', tag);
  }
}
