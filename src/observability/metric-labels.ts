/**
 * Label values kept to small, known sets: a series per job id, input or free-form message would
 * grow without end and take Prometheus down with it. Tags and provider names are bounded by the
 * definitions an operator wrote; everything else goes through here.
 */

const OUTCOME_OF_CODE: Record<string, string> = {
  BACKSTOP_FALLBACK_EXHAUSTED: 'exhausted',
  BACKSTOP_FALLBACK_STOPPED: 'stopped',
  BACKSTOP_DEADLINE_EXCEEDED: 'deadline_exceeded',
  BACKSTOP_MAPPING_FAILED: 'mapping_failed',
  BACKSTOP_ABORTED: 'aborted',
};

/** A run's outcome: `success`, or what its error code means (`exhausted`, `stopped`, …; `error` otherwise). */
export function runOutcome(outcome: string): string {
  if (outcome === 'success') return outcome;
  return OUTCOME_OF_CODE[outcome] ?? 'error';
}

const OUR_CODE = /^BACKSTOP_[A-Z0-9_]{1,48}$/;

/** An error code as a label: ours as they are, anything else (an adapter's own) as `other`. */
export function codeLabel(code: string | undefined): string {
  if (code === undefined) return 'none';
  return OUR_CODE.test(code) ? code : 'other';
}

/** The attempt number as a label: 1, 2, 3, then `4+` (retries beyond that look alike on a graph). */
export function attemptLabel(attempt: number): string {
  return attempt >= 4 ? '4+' : String(attempt);
}

/** Seconds, from the milliseconds events carry. */
export function seconds(ms: number): number {
  return ms / 1000;
}
