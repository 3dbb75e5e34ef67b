import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import type { WorkerProcess } from '../helpers/worker-process.js';
import {
  allFinished,
  chargeOption,
  defineApp,
  doubleEffects,
  finishedJobs,
  report,
  scale,
  useFaultKit,
} from './fault-kit.js';

const JOBS = scale(300, 1_000);

/** Worker processes SIGKILLed mid-run and restarted: no job lost, none charged twice. */
describe('fault suite: worker crashes', () => {
  const kit = useFaultKit();

  it(`${JOBS} jobs, 2 workers, 3 SIGKILLs with restarts: 0 lost, 0 charged twice`, {
    timeout: scale(180_000, 900_000),
  }, async () => {
    const { backstop, worker, provider } = kit();
    // Calls take a while, so that every kill finds calls in flight.
    const primary = await provider('crash-primary', { latencyMs: 100 });
    const fallback = await provider('crash-fallback', { latencyMs: 100 });
    for (const p of [primary, fallback]) await defineApp(backstop, p);
    await backstop.fallback.create({
      name: 'crash',
      tag: 'crash',
      input: { amount: { type: 'number' } },
      onAmbiguous: 'stop',
      options: [chargeOption(primary, { timeout: 5_000 }), chargeOption(fallback, { timeout: 5_000 })],
    });
    const env = { BACKSTOP_CONCURRENCY: '4' };
    const alive: WorkerProcess[] = await Promise.all([worker(env), worker(env)]);
    const keys = Array.from({ length: JOBS }, (_, i) => `crash-${i}`);
    for (let i = 0; i < JOBS; i += 500) {
      await backstop.fallback.dispatchBulk(
        keys
          .slice(i, i + 500)
          .map((idempotencyKey) => ({ tag: 'crash', input: { amount: 1 }, idempotencyKey })),
      );
    }
    const queue = await backstop.jobQueue();
    const finished = async () => {
      const c = await queue.getJobCounts('completed', 'failed');
      return (c.completed ?? 0) + (c.failed ?? 0);
    };
    // Three kills, spread over the run: each waits for more work to be done, kills a worker (its
    // calls in flight die with it) and starts a new one, which takes a while to come up.
    const starting: Promise<void>[] = [];
    let kills = 0;
    for (let k = 1; k <= 3; k++) {
      await until(
        async () => (await finished()) >= (JOBS * k) / 5,
        scale(120_000, 600_000),
        `${k}/5 of the jobs`,
      );
      await until(() => alive.length > 0, 60_000, 'a worker to kill');
      await alive.shift()!.kill();
      kills++;
      starting.push(worker(env).then((w) => void alive.push(w)));
    }
    await Promise.all(starting);
    await allFinished(backstop, JOBS, scale(150_000, 600_000));
    const jobs = await finishedJobs(backstop);
    const failed = jobs.filter((j) => j.state === 'failed');
    const doubles = doubleEffects([primary, fallback], keys);
    const replays = [primary, fallback].reduce(
      (n, p) => n + p.requests.filter((r) => r.fault === 'replay').length,
      0,
    );
    report('crash', {
      jobs: JOBS,
      kills,
      completed: jobs.length - failed.length,
      failed: failed.length,
      lost: JOBS - jobs.length,
      reRuns: jobs.filter((j) => j.runs > 1).length,
      replayedCalls: replays,
      doubles,
    });
    expect(jobs).toHaveLength(JOBS);
    expect(failed.map((j) => j.error)).toEqual([]);
    expect(doubles).toBe(0);
  });

  it('a job killed twice in a row completes; how long each kill took to recover, against the lock', {
    timeout: scale(120_000, 300_000),
  }, async () => {
    const { backstop, worker, provider } = kit();
    // With the defaults (lock 30 s, stalled check every 5 s) at full scale; shorter in `npm test`.
    const lockMs = scale(3_000, 30_000);
    const settings = {
      BACKSTOP_LOCK_DURATION_MS: String(lockMs),
      BACKSTOP_STALLED_INTERVAL_MS: String(scale(1_000, 5_000)),
    };
    // The first two calls hang without acting (their workers die waiting); the third answers.
    let calls = 0;
    const primary = await provider('twice', { faults: () => (++calls <= 2 ? 'hang-before' : 'ok') });
    await defineApp(backstop, primary);
    await backstop.fallback.create({
      name: 'twice',
      tag: 'twice',
      input: { amount: { type: 'number' } },
      options: [chargeOption(primary, { timeout: 600_000, retries: 0 })],
    });
    const handle = await backstop.fallback.dispatch({ tag: 'twice', input: { amount: 1 } });
    const recoveries: number[] = [];
    let current = await worker(settings);
    for (let kill = 1; kill <= 2; kill++) {
      await until(() => primary.calls === kill, 60_000, `call ${kill}`);
      // A worker standing by, so that what is measured is the recovery, not a process start.
      const standby = await worker(settings);
      await current.kill();
      const killedAt = Date.now();
      await until(() => primary.calls === kill + 1, lockMs * 3 + 30_000, `the re-run after kill ${kill}`);
      recoveries.push(Date.now() - killedAt);
      current = standby;
    }
    const view = await backstop.jobs.wait(handle.id, { timeout: 30_000 });
    report('crash twice', { state: view.state, runs: view.runs, lockMs, recoveryMs: recoveries });
    expect(view.state).toBe('completed');
    expect(view.runs).toBe(3);
    expect(primary.effects.size).toBe(1);
    expect(new Set(primary.requests.map((r) => r.key)).size).toBe(1); // one key on every run
  });
});
