import { NotFoundError } from '../core/validation-error.js';
import type { StoredApp } from '../store/app-store.js';
import type { AppDefinition } from '../targets/app-definition.js';
import type { Internals } from './internals.js';

/** `backstop.app`: the HTTP apps whose actions providers call. */
export class AppApi {
  constructor(private readonly internals: Internals) {}

  /** Creates or replaces an app; bumps its version. Base URLs must be allowed by the outbound policy. */
  async define(definition: AppDefinition): Promise<StoredApp> {
    const envs = (definition as { envs?: unknown })?.envs;
    if (envs && typeof envs === 'object') {
      for (const [slug, env] of Object.entries(envs)) {
        const baseUrl = (env as { baseUrl?: unknown })?.baseUrl;
        if (typeof baseUrl === 'string')
          this.internals.outbound.checkUrl(baseUrl, `envs.${slug}.baseUrl`, 'invalid app definition');
      }
    }
    const { apps } = await this.internals.runtime.get();
    return apps.define(definition);
  }

  async fetch(tag: string): Promise<StoredApp> {
    const { apps } = await this.internals.runtime.get();
    const app = await apps.fetch(tag);
    if (!app) throw new NotFoundError('app', tag);
    return app;
  }

  async fetchAll(): Promise<StoredApp[]> {
    const { apps } = await this.internals.runtime.get();
    return apps.list();
  }

  async delete(tag: string): Promise<void> {
    const { apps } = await this.internals.runtime.get();
    if (!(await apps.delete(tag))) throw new NotFoundError('app', tag);
  }
}
