import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/core/attempt.js';
import { jobListName, readableReturnValue } from '../../src/http/dashboard/job-summary.js';

const attempt = (extra: Partial<AttemptRecord>): AttemptRecord => ({
  provider: 'stripe',
  attempt: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 41,
  outcome: 'success',
  idempotencyKey: 'k:stripe',
  ...extra,
});
const failure = attempt({
  outcome: 'failure',
  error: { code: 'BACKSTOP_PROVIDER_HTTP', message: 'secret-bearing message', status: 503, verdict: 'retry' },
});

/** How Bull Board's job list and a job's return value read for people. */
describe('job summary for Bull Board', () => {
  it('names who served, the calls and the lateness of a completed job', () => {
    const job = {
      name: 'pay',
      timestamp: 1_000,
      delay: 500,
      processedOn: 1_512,
      returnvalue: { provider: 'paypal', attempts: [failure, attempt({ provider: 'paypal' })] },
    };
    expect(jobListName(job)).toBe('pay · served by paypal · 2 attempts · started 12 ms late');
  });

  it('says a failed job failed, counting the calls its progress kept, skips left out', () => {
    const skipped = attempt({ provider: 'square', attempt: 0, outcome: 'skipped', skipped: 'unhealthy' });
    const job = {
      name: 'pay',
      timestamp: 1_000,
      processedOn: 3_500,
      failedReason: 'BACKSTOP_FALLBACK_EXHAUSTED: …',
      data: { progress: { attempts: [failure, skipped] } },
    };
    expect(jobListName(job)).toBe('pay · failed · 1 attempt · started 2.5 s late');
  });

  it('leaves a job that has not run as it was named', () => {
    expect(jobListName({ name: 'pay', timestamp: 1_000, delay: 60_000 })).toBe('pay');
  });

  it('puts the attempts first in the return value, as lines without messages', () => {
    const skipped = attempt({ provider: 'square', attempt: 0, outcome: 'skipped', skipped: 'unhealthy' });
    const value = { runId: 'r', provider: 'stripe', attempts: [skipped, failure, attempt({ attempt: 2 })] };
    const readable = readableReturnValue(value) as { timeline: string[] };
    expect(readable.timeline).toEqual([
      '1. square: skipped (unhealthy)',
      '2. stripe attempt 1: failure BACKSTOP_PROVIDER_HTTP (503) in 41 ms → retry',
      '3. stripe attempt 2: success in 41 ms',
    ]);
    expect(Object.keys(readable)[0]).toBe('timeline');
    expect(readable.timeline.join('\n')).not.toContain('secret-bearing');
    expect(readableReturnValue(null)).toBeNull();
    expect(readableReturnValue({ output: 1 })).toEqual({ output: 1 });
  });
});
