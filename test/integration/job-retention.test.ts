import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backstop, type BackstopError, ErrorCodes } from '../../src/index.js';
import { httpChains } from '../helpers/http-chains.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

// Finished jobs are kept for a configurable age and count (never forever: Redis runs with
// noeviction). Producer and worker process read the same BACKSTOP_KEEP_* settings.

const WAIT = { timeout: 10_000 };

describe('job retention (BACKSTOP_KEEP_COMPLETED_COUNT / BACKSTOP_KEEP_FAILED_COUNT)', () => {
  const prefix = uniquePrefix();
  const retention = { BACKSTOP_KEEP_COMPLETED_COUNT: '2', BACKSTOP_KEEP_FAILED_COUNT: '1' };
  let backstop: Backstop;
  let worker: WorkerProcess | undefined;
  const { provider, option, chain, closeAll } = httpChains(() => backstop);

  beforeAll(async () => {
    backstop = testBackstop({ prefix, processEnv: { ...retention, LOG_LEVEL: 'silent' } });
    worker = await startWorkerProcess(prefix, retention);
  });

  afterAll(async () => {
    await worker?.stop();
    await backstop.close();
    await closeAll();
  });

  it('keeps only the newest completed and failed jobs', async () => {
    const ok = await provider('ok');
    const down = (await provider('down')).down();
    const okTag = await chain([option(ok)]);
    const downTag = await chain([option(down)]);

    const completed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const handle = await backstop.fallback.dispatch({ tag: okTag, input: {} });
      expect((await backstop.jobs.wait(handle.id, WAIT)).state).toBe('completed');
      completed.push(handle.id);
    }
    const failed: string[] = [];
    for (let i = 0; i < 2; i++) {
      const handle = await backstop.fallback.dispatch({ tag: downTag, input: {} });
      expect((await backstop.jobs.wait(handle.id, WAIT)).state).toBe('failed');
      failed.push(handle.id);
    }

    const present = async (id: string) => {
      try {
        await backstop.jobs.get(id);
        return true;
      } catch (error) {
        expect((error as BackstopError).code).toBe(ErrorCodes.NOT_FOUND);
        return false;
      }
    };
    expect(await Promise.all(completed.map(present))).toEqual([false, false, true, true]);
    expect(await Promise.all(failed.map(present))).toEqual([false, true]);
  });
});
