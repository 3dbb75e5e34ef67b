import { afterAll, describe, expect, it } from 'vitest';
import { testBackstop } from '../helpers/redis.js';

/**
 * A dispatched job that fails over saves how far it got before calling the next provider, through
 * the lock-fenced write: the worker must hand the job's lock token to that write, or the save
 * reads as a lost lock and the job is abandoned instead of served by the next provider.
 */
describe('a dispatched job that fails over', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it('completes with the next provider and records the attempts before it', async () => {
    backstop.handlers.register('primary', 'go', async () => {
      throw Object.assign(new Error('down'), { status: 503 });
    });
    backstop.handlers.register('secondary', 'go', async () => ({ id: 'served' }));
    await backstop.fallback.define({
      tag: 'job-failover',
      name: 'job failover',
      handler: (ctx) => {
        ctx.primary('primary').app('primary').action('go');
        ctx.fallback('secondary').app('secondary').action('go');
      },
    });
    const worker = await backstop.worker({ healthchecks: false });
    const handle = await backstop.fallback.dispatch({ tag: 'job-failover', input: {} });
    const view = await backstop.jobs.wait(handle.id, { timeout: 10_000 });
    await worker.close();
    expect(view.state).toBe('completed');
    expect(view.result).toMatchObject({ provider: 'secondary', id: 'served' });
    expect(view.attempts.map((a) => a.provider)).toEqual(['primary', 'secondary']);
  });
});
