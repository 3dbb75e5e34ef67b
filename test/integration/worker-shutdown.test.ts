import { describe, expect, it } from 'vitest';
import { jobLines, jobStalledAtFallback, until, useWorkerKit } from '../helpers/worker-kit.js';
import type { WorkerProcess } from '../helpers/worker-process.js';

const SHUTTING_DOWN = 'shutting down: finishing running jobs';

/** Sends SIGTERM and waits until the child says it is shutting down (it has stopped taking jobs). */
async function terminate(worker: WorkerProcess): Promise<number> {
  const sentAt = Date.now();
  worker.signal('SIGTERM');
  await until(() => worker.logs.some((l) => l.msg === SHUTTING_DOWN), 5_000, 'the shutdown log line');
  return sentAt;
}

/** The exit code, failing the test when the process has not exited within `ms`. */
async function exitWithin(worker: WorkerProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`worker ${worker.pid} did not exit within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([worker.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Graceful then forceful shutdown of real child worker processes: SIGTERM lets running jobs finish
 * within the grace, then aborts them so they are re-run elsewhere, resuming; a second signal exits.
 */
describe('worker process: shutdown', () => {
  const kit = useWorkerKit();

  it('SIGTERM lets a running job finish within the grace and takes no new job', {
    timeout: 45_000,
  }, async () => {
    const { backstop, start, waitState } = kit();
    const {
      primary,
      fallback,
      tag,
      worker: workerA,
      handle: first,
    } = await jobStalledAtFallback(kit(), { env: { BACKSTOP_SHUTDOWN_GRACE_MS: '10000' }, stallMs: 1_000 });
    const signalledAt = await terminate(workerA);
    // Dispatched after the signal: a closing worker must leave it alone (it has room for 10 jobs).
    const second = await backstop.fallback.dispatch({ tag, input: {} });
    expect(workerA.child.exitCode).toBeNull(); // still finishing the first job when the second came

    expect(await exitWithin(workerA, 15_000)).toBe(0);
    const exitedAt = Date.now();
    // It waited for the stalled answer (lower bound only: the stall started before the signal).
    expect(exitedAt - fallback.calls[0]!.at).toBeGreaterThanOrEqual(900);
    expect(exitedAt).toBeGreaterThanOrEqual(signalledAt);
    expect(workerA.logs.some((l) => l.msg === 'worker stopped')).toBe(true);
    expect(workerA.logs.some((l) => l.msg === 'shutdown grace over: aborting running jobs')).toBe(false);

    const done = await backstop.jobs.get(first.id);
    expect(done.state).toBe('completed');
    expect(done.provider).toBe(fallback.name);
    expect(done.result).toMatchObject({ id: `${fallback.name}_late` }); // the stalled call's answer
    expect(done.runs).toBe(1);

    const untouched = await backstop.jobs.get(second.id);
    expect(untouched.state).toBe('waiting');
    expect(untouched.runs).toBe(0);
    expect(primary.calls).toHaveLength(1); // only the first job's
    expect(workerA.logs.some((l) => l.jobId === second.id)).toBe(false);

    const workerB = await start();
    const view = await waitState(second.id, ['completed', 'failed']);
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(fallback.name);
    expect(workerB.logs.some((l) => l.jobId === second.id)).toBe(true);
    expect(await workerB.stop()).toBe(0);
  });

  it('at the end of a short grace the chain is aborted and the job re-run elsewhere, resuming with the same key', {
    timeout: 45_000,
  }, async () => {
    const { backstop, start, waitState } = kit();
    // The first fallback call never answers; the re-run's call does.
    const {
      primary,
      fallback,
      tag,
      worker: workerA,
      handle,
    } = await jobStalledAtFallback(kit(), { env: { BACKSTOP_SHUTDOWN_GRACE_MS: '300' } });
    const signalledAt = await terminate(workerA);
    expect(await exitWithin(workerA, 10_000)).toBe(0);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(300);
    expect(workerA.logs.some((l) => l.msg === 'shutdown grace over: aborting running jobs')).toBe(true);
    expect(
      workerA.logs.some(
        (l) => l.jobId === handle.id && String(l.msg).startsWith('job interrupted by shutdown'),
      ),
    ).toBe(true);
    for (const line of jobLines(workerA.logs)) {
      expect(line).toMatchObject({ jobId: handle.id, tag, product: 'my-product', env: 'prd' });
    }

    // Not failed for good: waiting for BullMQ's retry (attempts 5, backoff 1 s), its progress saved.
    const interrupted = await backstop.jobs.get(handle.id);
    expect(['delayed', 'waiting']).toContain(interrupted.state);
    expect(interrupted.error).toBeUndefined();
    expect(interrupted.runs).toBe(1);
    expect(interrupted.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      [primary.name, 'failure'],
      [fallback.name, 'failure'],
    ]);

    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 20_000);
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(fallback.name);
    // Two runs, or three when a busy machine delays the new worker's 1 s lock renewal past its
    // lock and the job stalls once more: either way one primary call, one key at the fallback.
    expect(view.runs).toBeGreaterThanOrEqual(2);
    expect(primary.calls).toHaveLength(1); // resumed at the fallback
    expect(fallback.calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fallback.idempotencyKeys).size).toBe(1);
    expect(fallback.idempotencyKeys[0]).toBeDefined();
    const attempts = view.attempts.map((a) => [a.provider, a.outcome]);
    expect(attempts.slice(0, 2)).toEqual([
      [primary.name, 'failure'],
      [fallback.name, 'failure'],
    ]);
    expect(attempts.at(-1)).toEqual([fallback.name, 'success']);
    for (const attempt of view.attempts.slice(1))
      expect(attempt.idempotencyKey).toBe(fallback.idempotencyKeys[0]);
  });

  it('a second signal forces exit; the abandoned job is picked up by another worker', {
    timeout: 45_000,
  }, async () => {
    const { start, waitState } = kit();
    const {
      primary,
      fallback,
      worker: workerA,
      handle,
    } = await jobStalledAtFallback(kit(), { env: { BACKSTOP_SHUTDOWN_GRACE_MS: '60000' } });
    await terminate(workerA);
    workerA.signal('SIGTERM');
    const code = await exitWithin(workerA, 5_000); // far below the 60 s grace
    expect(code).not.toBe(0);
    expect(code).not.toBeNull(); // it exited by itself, not killed by a signal
    expect(workerA.logs.some((l) => l.msg === 'second signal: exiting now')).toBe(true);

    // The job was left active; its lock runs out and a live worker takes it over, resuming.
    await start();
    const view = await waitState(handle.id, ['completed', 'failed'], 20_000);
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(fallback.name);
    expect(primary.calls).toHaveLength(1);
    expect(fallback.idempotencyKeys).toEqual([fallback.idempotencyKeys[0], fallback.idempotencyKeys[0]]);
  });
});
