import { TargetUnavailableError } from '../core/provider-errors.js';
import type { TargetAdapter, TargetContext } from '../core/target.js';

type WorkflowTarget = { kind: 'workflow'; workflow: string };

/** Runs another stored fallback and returns its result; its failure is this provider's failure. */
export type NestedRun = (tag: string, input: unknown, ctx: TargetContext) => Promise<Record<string, unknown>>;

/** Nested chains deeper than this are a definition loop, not a design. */
export const MAX_WORKFLOW_DEPTH = 8;

export class WorkflowTargetAdapter implements TargetAdapter<WorkflowTarget> {
  constructor(private readonly run: NestedRun) {}

  call(target: WorkflowTarget, request: unknown, ctx: TargetContext): Promise<unknown> {
    if (ctx.depth >= MAX_WORKFLOW_DEPTH) {
      throw new TargetUnavailableError(
        `workflow '${target.workflow}' nested deeper than ${MAX_WORKFLOW_DEPTH} levels: check the chains for a loop`,
      );
    }
    return this.run(target.workflow, request, ctx);
  }
}
