import type { TargetAdapter, TargetContext } from '../core/target.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { HttpAppTarget } from './http-target.js';

type AppTarget = { kind: 'app'; app: string; action: string };

/** An app action runs in-process when a handler is registered for it, over HTTP otherwise. */
export class AppTargetAdapter implements TargetAdapter<AppTarget> {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly http: HttpAppTarget,
  ) {}

  async call(target: AppTarget, request: unknown, ctx: TargetContext): Promise<unknown> {
    const handler = this.handlers.get(target.app, target.action);
    if (handler) return handler(request, ctx);
    return this.http.call(target, request, ctx);
  }
}
