import type { AttemptRecord } from '../core/attempt.js';
import type { JobView } from '../queue/job-view.js';
import { cliMessage, cliPath } from './cli-words.js';

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

/**
 * What went wrong, once: `error CODE: what`, then one `path: message` line per field, in the CLI's
 * words (`--allow-past`, not `allowPast: true`). A validation error's message already lists its
 * issues; they are printed as lines instead, not a second time.
 */
export function formatError(error: unknown, hints: readonly string[] = []): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  const { code, issues } = error as Error & { code?: unknown; issues?: unknown };
  const prefix = typeof code === 'string' ? `error ${code}: ` : 'error: ';
  const list = Array.isArray(issues) ? (issues as { path?: string; message?: string }[]) : [];
  const lines = list.map(
    (issue) => `  ${cliPath(issue.path || '(root)')}: ${cliMessage(issue.message ?? '')}`,
  );
  return [prefix + cliMessage(headOf(error.message, list)), ...lines, ...hints.map((h) => `  ${h}`)].join(
    '\n',
  );
}

/** The message without the issues it ends with (`context: a: x; b: y` → `context`). */
function headOf(message: string, issues: { path?: string; message?: string }[]): string {
  if (issues.length === 0) return message;
  const listed = issues.map((i) => `${i.path || '(root)'}: ${i.message ?? ''}`).join('; ');
  if (!message.endsWith(listed)) return message;
  return message.slice(0, -listed.length).replace(/:\s*$/, '') || 'invalid input';
}

export function formatAttempts(attempts: readonly AttemptRecord[], finished = false): string {
  if (attempts.length === 0)
    return finished ? 'Attempts: none (no provider was called)' : 'Attempts: none yet';
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
  if (view.output !== undefined) lines.push(`  output    ${JSON.stringify(view.output)}`);
  if (view.error) lines.push(`  error     ${view.error.code}: ${view.error.message}`);
  lines.push(formatAttempts(view.attempts, view.state === 'completed' || view.state === 'failed'));
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
