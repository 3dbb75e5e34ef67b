import { describe, expect, it } from 'vitest';
import { until, useWorkerKit } from '../helpers/worker-kit.js';

/**
 * Fencing: a worker whose job lock expired (here: the process was paused with SIGSTOP past its
 * lock) while another worker took the job over must not call another provider for that job.
 */
describe('worker process: a worker that lost its lock', () => {
  const kit = useWorkerKit();

  it('wakes up after another worker completed its job, and abandons the run instead of failing over', {
    timeout: 60_000,
  }, async () => {
    const { backstop, chains, start, waitState } = kit();
    // The first call hangs (its answer is lost); the next call, the other worker's, succeeds.
    const primary = (await chains.provider('primary')).next({ kind: 'stall' });
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([chains.option(primary, { timeout: 1_500 }), chains.option(fallback)]);

    const first = await start();
    const handle = await backstop.fallback.dispatch({ tag, input: {}, idempotencyKey: 'order-11' });
    await until(() => primary.calls.length === 1, 15_000, 'the first call');
    first.signal('SIGSTOP'); // paused past its 1 s lock: its job stalls and goes to another worker

    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 30_000);
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(primary.name);

    // The paused worker resumes: its attempt timed out long ago, so it would fail over now.
    first.signal('SIGCONT');
    await until(
      () => first.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('abandoning this run')),
      20_000,
      'the paused worker to abandon its run',
    );
    expect(fallback.calls).toHaveLength(0);
    expect(primary.idempotencyKeys).toEqual([`order-11:${primary.name}`, `order-11:${primary.name}`]);
    const after = await backstop.jobs.get(handle.id);
    expect(after.state).toBe('completed');
    expect(after.provider).toBe(primary.name);
  });
});
