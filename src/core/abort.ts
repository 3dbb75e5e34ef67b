/**
 * A child AbortController that follows its parent. We link by hand instead of `AbortSignal.any`,
 * whose followers are only collected with the parent (nodejs/node#54614) and would pile up on a
 * long-lived caller signal.
 */
export function linkedController(parent: AbortSignal | undefined): {
  controller: AbortController;
  unlink: () => void;
} {
  const controller = new AbortController();
  if (!parent) return { controller, unlink: noop };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, unlink: noop };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, unlink: () => parent.removeEventListener('abort', onAbort) };
}

function noop(): void {}

/** The signal of a run that nothing can end early (no caller signal, no deadline): no controller to pay for. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
