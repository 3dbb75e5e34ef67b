import { describe, expect, it } from 'vitest';
import { charges, option, until, useHealthKit } from '../helpers/health-kit.js';

/**
 * Every attempt in flight listens on the worker's shutdown signal: more than ten at once must not
 * make Node warn of a listener leak (they are removed when each attempt ends).
 */
describe('a worker with many attempts in flight', { timeout: 60_000 }, () => {
  const kit = useHealthKit();

  it('runs 20 slow jobs at once without a MaxListenersExceededWarning', async () => {
    const { backstop } = kit();
    const slow = (await kit().provider('slow')).always({ kind: 'stall', ms: 1_000 });
    await backstop.fallback.create({ name: 'Slow', tag: 'slow', options: [option('slow')] });
    const worker = await kit().fallbackWorker({ BACKSTOP_CONCURRENCY: '20' });
    let stderr = '';
    worker.child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const jobs = await Promise.all(
      Array.from({ length: 20 }, () => backstop.fallback.dispatch({ tag: 'slow' })),
    );
    await until(() => charges(slow).length === 20, 15_000, 'twenty calls in flight at once');
    const done = await Promise.all(jobs.map((j) => backstop.jobs.wait(j.id, { timeout: 15_000 })));
    expect(done.every((j) => j.provider === 'slow')).toBe(true);
    expect(stderr).not.toContain('MaxListenersExceededWarning');
  });
});
