import { TargetUnavailableError } from '../core/provider-errors.js';
import type { TargetAdapter, TargetContext, TargetResolver } from '../core/target.js';
import type { TargetKind, TargetRef } from '../core/target-ref.js';
import { ValidationError } from '../core/validation-error.js';

/**
 * Maps each target kind to its adapter. Database, notification and feature targets have none
 * built in: register yours with `backstop.targets.register(kind, adapter)`.
 */
export class TargetRegistry implements TargetResolver {
  // biome-ignore lint/suspicious/noExplicitAny: each adapter takes its own kind of target; register() keeps kind and adapter paired
  private readonly adapters = new Map<TargetKind, TargetAdapter<any>>();

  register<K extends TargetKind>(kind: K, adapter: TargetAdapter<Extract<TargetRef, { kind: K }>>): void {
    if (!adapter || typeof adapter.call !== 'function') {
      throw ValidationError.field(
        'adapter.call',
        `targets.register('${kind}', adapter): expected a function`,
      );
    }
    this.adapters.set(kind, adapter);
  }

  has(kind: TargetKind): boolean {
    return this.adapters.has(kind);
  }

  async call(target: TargetRef, request: unknown, ctx: TargetContext): Promise<unknown> {
    const adapter = this.adapters.get(target.kind);
    if (!adapter) {
      throw new TargetUnavailableError(
        `no adapter for ${target.kind} targets; register one with backstop.targets.register('${target.kind}', adapter)`,
      );
    }
    return adapter.call(target, request, ctx);
  }
}
