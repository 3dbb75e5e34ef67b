import type { TargetContext } from '../core/target.js';
import { ValidationError } from '../core/validation-error.js';

/** An in-process target: `handlers.register('internal-app', 'charge', async (request, ctx) => …)`. */
// biome-ignore lint/suspicious/noExplicitAny: the request is whatever the mapping produced; handlers read it directly
export type ActionHandler = (request: any, ctx: TargetContext) => unknown | Promise<unknown>;

/** Handlers registered for app actions. An app action with a handler is called in-process. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, ActionHandler>();

  register(app: string, action: string, handler: ActionHandler): void {
    if (typeof app !== 'string' || app === '') throw ValidationError.field('app', 'expected an app tag');
    if (typeof action !== 'string' || action === '')
      throw ValidationError.field('action', 'expected an action tag');
    if (typeof handler !== 'function') throw ValidationError.field('handler', 'expected a function');
    this.handlers.set(key(app, action), handler);
  }

  unregister(app: string, action: string): boolean {
    return this.handlers.delete(key(app, action));
  }

  get(app: string, action: string): ActionHandler | undefined {
    return this.handlers.get(key(app, action));
  }
}

function key(app: string, action: string): string {
  return `${app}\u0000${action}`;
}
