import { afterAll, describe, expect, it } from 'vitest';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

describe('worker process smoke', () => {
  const prefix = uniquePrefix();
  const backstop = testBackstop({ prefix });
  afterAll(() => backstop.close());
  it('runs a job in a child worker', async () => {
    const sim = await ProviderSimulator.start('s');
    await backstop.app.define({
      tag: 's',
      envs: { prd: { baseUrl: sim.url } },
      actions: { go: { method: 'POST', path: '/go' } },
    });
    await backstop.fallback.create({
      name: 'x',
      tag: 'x',
      options: [{ type: 'action', app: 's', event: 'go' }],
    });
    const worker = await startWorkerProcess(prefix);
    const handle = await backstop.fallback.dispatch({ tag: 'x', input: {} });
    const view = await backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('completed');
    expect(sim.calls).toHaveLength(1);
    expect(await worker.stop()).toBe(0);
    expect(worker.logs.find((l) => l.msg === 'job completed')).toMatchObject({
      jobId: handle.id,
      tag: 'x',
      env: 'prd',
    });
    await sim.close();
  });
});
