import { describe, expect, it } from 'vitest';
import type { JobData } from '../../src/queue/job-data.js';
import { newJobId, ownKeyOf, queueOfJobId, randomKey } from '../../src/queue/queue-names.js';
import { compactJobData, type JobFacts, jobDataOf } from '../../src/queue/stored-job-data.js';

const NOW = 1_796_000_000_000;
const DELAY = 3_600_000;
const KEY = 'kNBlenCEGzSmO4W3OvrH0';

/** A delayed payment job as the producer makes it, and the job BullMQ stores it as. */
function dispatched(overrides: Partial<JobData> = {}): { data: JobData; job: JobFacts } {
  const data: JobData = {
    v: 1,
    product: 'payments',
    tag: 'charge',
    env: 'prd',
    input: { amount: 4999, currency: 'EUR' },
    idempotencyKey: KEY,
    dispatchedAt: NOW,
    runAt: NOW + DELAY,
    version: 3,
    ...overrides,
  };
  const job = {
    id: newJobId('payments', KEY),
    name: 'charge',
    queueName: 'payments',
    timestamp: NOW,
    opts: { delay: DELAY },
  };
  return { data, job };
}

describe('job data as stored (v: 2)', () => {
  it('leaves out what the job says of itself and reads it back whole', () => {
    const { data, job } = dispatched();
    const stored = compactJobData(data, job);
    expect(stored).toEqual({ v: 2, env: 'prd', input: data.input, version: 3 });
    expect(Object.keys(stored)[0]).toBe('v');
    expect(jobDataOf({ ...job, data: stored })).toEqual({ ...data, v: 2 });
  });

  it('keeps what the caller chose: the kind, a cache, a sealed session, progress', () => {
    const extra = {
      kind: 'quota' as const,
      cache: 'payments-cache',
      session: { sealed: 'opaque' } as unknown as JobData['session'],
      progress: { startAt: 1, attempts: [] },
    };
    const { data, job } = dispatched(extra);
    const stored = compactJobData(data, job);
    expect(stored).toMatchObject(extra);
    expect(jobDataOf({ ...job, data: stored })).toEqual({ ...data, v: 2 });
  });

  it('keeps each field that differs from the job: another queue, a custom id, a past run time, a renamed job', () => {
    const { data, job } = dispatched({ idempotencyKey: 'order-123', runAt: NOW - 60_000 });
    const other = { ...job, id: 'order-123', name: 'renamed', queueName: 'card-queue', opts: {} };
    const stored = compactJobData(data, other);
    expect(stored).toMatchObject({
      product: 'payments',
      tag: 'charge',
      idempotencyKey: 'order-123',
      runAt: NOW - 60_000,
    });
    expect(stored).not.toHaveProperty('dispatchedAt');
    expect(jobDataOf({ ...other, data: stored })).toEqual({ ...data, v: 2 });
  });

  it('takes v: 1 data (earlier releases, recurring schedules) as it is', () => {
    const { data, job } = dispatched();
    const old = { ...data, idempotencyKey: '8f439fcf-dbbd-462f-a9ea-60462e55966e' };
    expect(jobDataOf({ ...job, data: old })).toBe(old);
    const partial = { v: 1, env: 'prd', input: {} } as unknown as JobData;
    expect(jobDataOf({ ...job, data: partial })).toBe(partial);
  });

  it('gives no idempotency key for v: 2 data without one under an id not of our form', () => {
    const { data, job } = dispatched();
    const stored = compactJobData(data, job);
    expect(jobDataOf({ ...job, id: 'custom-1', data: stored }).idempotencyKey).toBeUndefined();
  });
});

describe('job ids', () => {
  it('are <queue>.<21 letters and digits>, each key different', () => {
    const keys = new Set(Array.from({ length: 2_000 }, randomKey));
    expect(keys.size).toBe(2_000);
    for (const key of keys) expect(key).toMatch(/^[0-9A-Za-z]{21}$/);
    expect(newJobId('payments')).toMatch(/^payments\.[0-9A-Za-z]{21}$/);
  });

  it('name their queue, in the short form and in the UUID form of earlier releases', () => {
    expect(queueOfJobId(`pay.ments.${KEY}`)).toBe('pay.ments');
    expect(queueOfJobId('payments.8f439fcf-dbbd-462f-a9ea-60462e55966e')).toBe('payments');
    expect(queueOfJobId('order-123')).toBeUndefined();
    expect(queueOfJobId('order.123')).toBeUndefined();
    expect(queueOfJobId(`.${KEY}`)).toBeUndefined();
  });

  it('give their random key only in the short form: a UUID id never stood for a key', () => {
    expect(ownKeyOf(`payments.${KEY}`)).toBe(KEY);
    expect(ownKeyOf('payments.8f439fcf-dbbd-462f-a9ea-60462e55966e')).toBeUndefined();
    expect(ownKeyOf('order-123')).toBeUndefined();
    expect(ownKeyOf(undefined)).toBeUndefined();
  });
});
