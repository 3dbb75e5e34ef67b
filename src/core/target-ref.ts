import type { TargetContext } from './target.js';

/** What a provider calls. The kind selects the target adapter; the rest is the adapter's address. */
export type TargetRef =
  | { kind: 'app'; app: string; action: string }
  | { kind: 'handler'; fn: InlineHandler }
  | { kind: 'database'; database: string; action: string }
  | { kind: 'workflow'; workflow: string }
  | { kind: 'notification'; notification: string; event: string }
  | { kind: 'feature'; feature: string };

export type TargetKind = TargetRef['kind'];

export type InlineHandler = (request: unknown, ctx: TargetContext) => unknown | Promise<unknown>;

export function describeTarget(target: TargetRef): string {
  switch (target.kind) {
    case 'app':
      return `app ${target.app}/${target.action}`;
    case 'handler':
      return 'inline handler';
    case 'database':
      return `database ${target.database}/${target.action}`;
    case 'workflow':
      return `workflow ${target.workflow}`;
    case 'notification':
      return `notification ${target.notification}/${target.event}`;
    case 'feature':
      return `feature ${target.feature}`;
  }
}
