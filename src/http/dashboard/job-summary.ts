import type { AttemptRecord } from '../../core/attempt.js';

/** What Bull Board hands its formatters of a job (BullMQ's `job.toJSON()`), as far as we read it. */
interface JobJson {
  name?: string;
  timestamp?: number;
  delay?: number;
  processedOn?: number;
  finishedOn?: number;
  failedReason?: string;
  returnvalue?: unknown;
  data?: { progress?: { attempts?: unknown } } | null;
}

/**
 * A dispatched job's name in Bull Board's job list, with how it ran: who served, how many calls,
 * how late it started (`payment-fallback · served by paypal · 2 attempts · started 3 ms late`).
 * Bull Board has no columns of its own to add, but shows each job's name in its list and header.
 */
export function jobListName(job: JobJson): string {
  const name = job.name ?? '';
  const parts = [name];
  const attempts = attemptsOf(job);
  const served = servedBy(job.returnvalue);
  if (served) parts.push(`served by ${served}`);
  else if (job.failedReason) parts.push('failed');
  if (attempts && (served || job.failedReason)) {
    const calls = attempts.filter((a) => a.outcome === 'success' || a.outcome === 'failure').length;
    parts.push(`${calls} attempt${calls === 1 ? '' : 's'}`);
  }
  if (job.processedOn !== undefined && job.timestamp !== undefined) {
    const late = Math.max(0, job.processedOn - (job.timestamp + (job.delay ?? 0)));
    parts.push(`started ${formatMs(late)} late`);
  }
  return parts.join(' · ');
}

/**
 * A completed job's return value with its attempts first as readable lines, so its timeline needs
 * no expanding of nested JSON (`1. stripe attempt 1: failure BACKSTOP_PROVIDER_HTTP (503) in 41 ms → retry`).
 */
export function readableReturnValue(value: unknown): unknown {
  if (!value || typeof value !== 'object' || !Array.isArray((value as { attempts?: unknown }).attempts))
    return value;
  const attempts = (value as { attempts: AttemptRecord[] }).attempts;
  return { timeline: attempts.map(attemptLine), ...value };
}

export function attemptLine(a: AttemptRecord, index: number): string {
  const head = `${index + 1}. ${a.provider}`;
  if (a.outcome === 'skipped') return `${head}: skipped (${a.skipped ?? 'not called'})`;
  const error = a.error
    ? ` ${a.error.code}${a.error.status !== undefined ? ` (${a.error.status})` : ''}`
    : '';
  const verdict = a.error ? ` → ${a.error.verdict}` : '';
  return `${head} attempt ${a.attempt}: ${a.outcome}${error} in ${formatMs(a.durationMs)}${verdict}`;
}

function servedBy(value: unknown): string | undefined {
  const provider = (value as { provider?: unknown } | null | undefined)?.provider;
  return typeof provider === 'string' ? provider : undefined;
}

function attemptsOf(job: JobJson): AttemptRecord[] | undefined {
  const done = (job.returnvalue as { attempts?: unknown } | null | undefined)?.attempts;
  if (Array.isArray(done)) return done as AttemptRecord[];
  const progress = job.data?.progress?.attempts;
  return Array.isArray(progress) ? (progress as AttemptRecord[]) : undefined;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}
