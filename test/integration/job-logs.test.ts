import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryHealthView } from '../../src/index.js';
import { httpChains } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

/** Bull Board's Logs tab shows `job.log` lines: the story of the run, in words. */
describe('job logs', () => {
  const health = new InMemoryHealthView();
  const backstop = testBackstop({ health });
  const chains = httpChains(() => backstop);
  afterAll(async () => {
    await backstop.close();
    await chains.closeAll();
  });

  it('tell each attempt, skip and failover of a dispatched run, and who served it', async () => {
    const skipped = await chains.provider('skipped');
    const down = (await chains.provider('down')).down(503);
    const up = await chains.provider('up');
    health.set({ product: 'my-product', env: 'prd', healthcheck: 'skipped-health' }, 'unhealthy');
    const tag = await chains.chain([
      chains.option(skipped, { healthcheck: 'skipped-health' }),
      chains.option(down, { retries: 1 }),
      chains.option(up),
    ]);
    const worker = await backstop.worker({ healthchecks: false });
    try {
      const handle = await backstop.fallback.dispatch({ tag, input: { orderId: 'o-1' } });
      expect((await backstop.jobs.wait(handle.id, { timeout: 10_000 })).state).toBe('completed');
      const queue = await backstop.jobQueue();
      // Job logs are written in batches, at most a few tens of milliseconds after the job ends.
      let logs: string[] = [];
      await until(
        async () => {
          logs = (await queue.getJobLogs(handle.id)).logs;
          return logs.length >= 7;
        },
        5_000,
        'the job log',
      );
      const story = logs.map((line) => line.replace(/\d+(\.\d+)? m?s\b/g, 'T'));
      expect(story).toEqual([
        'started T after its intended time',
        `${skipped.name}: skipped (unhealthy)`,
        `${down.name} attempt 1: failure BACKSTOP_PROVIDER_HTTP (503) in T: retry`,
        `${down.name} attempt 2: failure BACKSTOP_PROVIDER_HTTP (503) in T: retry`,
        `failover ${down.name} → ${up.name} after BACKSTOP_PROVIDER_HTTP`,
        `${up.name} attempt 1: success in T`,
        `served by ${up.name} after 3 attempts in T`,
      ]);
      // Codes and statuses only: nothing of the input reaches the log.
      expect(logs.join('\n')).not.toContain('o-1');
    } finally {
      await worker.close();
    }
  });

  it('can be turned off per worker', async () => {
    const up = await chains.provider('quiet');
    const tag = await chains.chain([chains.option(up)]);
    const worker = await backstop.worker({ healthchecks: false, jobLogs: false });
    try {
      const handle = await backstop.fallback.dispatch({ tag, input: {} });
      expect((await backstop.jobs.wait(handle.id, { timeout: 10_000 })).state).toBe('completed');
      expect((await (await backstop.jobQueue()).getJobLogs(handle.id)).logs).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
