import type { TargetAdapter, TargetContext } from '../core/target.js';

type NestedFallback = { kind: 'workflow'; workflow: string };

/** Runs another chain and resolves with its result; its failure is this provider's failure. */
export type NestedRun = (tag: string, input: unknown, ctx: TargetContext) => Promise<Record<string, unknown>>;

/**
 * A provider that is another fallback chain (the code-first `.workflow(tag)` target). How deep
 * such chains may nest is checked where every nested run starts (core/nesting.ts).
 */
export class NestedFallbackTarget implements TargetAdapter<NestedFallback> {
  constructor(private readonly run: NestedRun) {}

  call(target: NestedFallback, request: unknown, ctx: TargetContext): Promise<unknown> {
    return this.run(target.workflow, request, ctx);
  }
}
