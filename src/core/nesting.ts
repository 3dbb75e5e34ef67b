import { TargetUnavailableError } from './provider-errors.js';

/**
 * Nested runs (a fallback option that runs another chain or a feature, a feature step that runs a
 * chain or a feature) deeper than this are a definition loop, not a design. A top-level run is at
 * depth 0; the run it nests is at depth 1.
 */
export const MAX_NESTING_DEPTH = 8;

/** The one nesting rule, for every kind of nested run: refuses a run deeper than the limit. */
export function checkNestingDepth(depth: number, kind: 'fallback' | 'quota' | 'feature', tag: string): void {
  if (depth <= MAX_NESTING_DEPTH) return;
  throw new TargetUnavailableError(
    `${kind} '${tag}' would run nested ${depth} levels deep, over the limit of ${MAX_NESTING_DEPTH}: check the definitions for a loop`,
  );
}
