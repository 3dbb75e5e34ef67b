import type { TargetAdapter, TargetContext } from '../core/target.js';

type FeatureTarget = { kind: 'feature'; feature: string };

/** Runs a feature and returns its output (a fallback option of `type: FEATURE`). */
export type FeatureRun = (tag: string, input: unknown, ctx: TargetContext) => Promise<unknown>;

export class FeatureTargetAdapter implements TargetAdapter<FeatureTarget> {
  constructor(private readonly run: FeatureRun) {}

  call(target: FeatureTarget, request: unknown, ctx: TargetContext): Promise<unknown> {
    return this.run(target.feature, request, ctx);
  }
}
