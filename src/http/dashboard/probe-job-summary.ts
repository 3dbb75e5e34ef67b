/** What Bull Board hands its formatters of a probe job (BullMQ's `job.toJSON()`), as far as we read it. */
interface ProbeJobJson {
  name?: string;
  failedReason?: string;
  returnvalue?: unknown;
}

interface RoundValue {
  probes?: number;
  passed?: number;
  failed?: number;
  skipped?: number;
  errors?: number;
  failing?: string[];
}

/**
 * A probe job's name in Bull Board's job list, with what it found: a round's counts and the
 * probes that failed (`round.1000ms · 20 probes · 19 passed · 1 failed: stripe-health/prd`), or a
 * single probe's verdict (jobs queued by earlier versions).
 */
export function probeJobListName(job: ProbeJobJson): string {
  const name = job.name ?? '';
  if (job.failedReason) return `${name} · failed`;
  const value = job.returnvalue as (RoundValue & { ok?: boolean; skipped?: unknown }) | null | undefined;
  if (!value || typeof value !== 'object') return name;
  if (typeof value.probes !== 'number') {
    if (typeof value.skipped === 'string') return `${name} · skipped`;
    return typeof value.ok === 'boolean' ? `${name} · ${value.ok ? 'passed' : 'failed'}` : name;
  }
  const parts = [name, `${value.probes} probe${value.probes === 1 ? '' : 's'}`];
  if (value.passed) parts.push(`${value.passed} passed`);
  if (value.failed) parts.push(`${value.failed} failed: ${(value.failing ?? []).join(', ')}`);
  if (value.skipped) parts.push(`${value.skipped} skipped`);
  if (value.errors) parts.push(`${value.errors} not applied`);
  return parts.join(' · ');
}
