import type { AttemptRecord } from '../core/attempt.js';
import type { JobView } from '../queue/job-view.js';

/** Columns padded to their widest cell; the header underlined by its own width. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** What went wrong, with the stable code and every field path, e.g. `input.amount: expected number`. */
export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  const { code, issues } = error as Error & { code?: unknown; issues?: unknown };
  const head = typeof code === 'string' ? `error ${code}: ${error.message}` : `error: ${error.message}`;
  if (!Array.isArray(issues) || issues.length === 0) return head;
  const lines = issues.map((issue: { path?: string; message?: string }) => {
    return `  ${issue.path || '(root)'}: ${issue.message ?? ''}`;
  });
  return [head, ...lines].join('\n');
}

export function formatAttempts(attempts: readonly AttemptRecord[]): string {
  if (attempts.length === 0) return 'Attempts: none yet';
  const rows = attempts.map((a) => [
    a.provider,
    a.outcome === 'skipped' ? '-' : `#${a.attempt}`,
    `${Math.round(a.durationMs)} ms`,
    a.outcome === 'skipped'
      ? `skipped (${a.skipped ?? 'unhealthy'})`
      : a.outcome === 'verify'
        ? `verify: ${a.verify}`
        : a.outcome,
    a.error ? `${a.error.code} ${a.error.message} → ${a.error.verdict}` : '',
  ]);
  return `Attempts:\n${indent(table(['provider', 'try', 'took', 'outcome', 'error'], rows))}`;
}

export function formatJob(view: JobView): string {
  const times = [
    `due ${view.runAt}`,
    view.startedAt ? `started ${view.startedAt}` : undefined,
    view.finishedAt ? `finished ${view.finishedAt}` : undefined,
  ].filter(Boolean);
  const lines = [
    `Job ${view.id}: ${view.state}`,
    `  fallback  ${view.tag} (product ${view.product}, env ${view.env})`,
    `  when      ${times.join(', ')}`,
    `  runs      ${view.runs}`,
  ];
  if (view.provider) lines.push(`  provider  ${view.provider}`);
  if (view.result) lines.push(`  result    ${JSON.stringify(view.result)}`);
  if (view.error) lines.push(`  error     ${view.error.code}: ${view.error.message}`);
  lines.push(formatAttempts(view.attempts));
  return lines.join('\n');
}

/** `12:03:04.567`, local time: progress lines are read by people watching them happen. */
export function clockTime(at = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
}
