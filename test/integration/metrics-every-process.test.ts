import { describe, expect, it } from 'vitest';
import { useEveryProcess } from '../helpers/every-process-kit.js';
import { promtoolCheckMetrics, sample } from '../helpers/promtool.js';
import { call, READ_KEY } from '../http/api-kit.js';

/**
 * One chain (a provider that answers 503, then one that works) run three ways: by the library in
 * this process, synchronously over HTTP, and as jobs dispatched over HTTP and run by a worker child
 * process. Each run is counted once, where it ran, by provider and outcome.
 */
describe('metrics from every process', () => {
  const kit = useEveryProcess({ workerEnv: { BACKSTOP_WORKER_PORT: '0' } });
  const { chains } = kit;

  it('counts library, HTTP and worker runs once each, where they ran', async () => {
    const [api, library, app] = [kit.api(), kit.library(), kit.app()];
    const endpoint = kit.worker().logs.find((l) => l.msg === 'liveness endpoint');
    const workerMetrics = String(endpoint?.metrics);
    const down = (await chains.provider('down')).down(503);
    const up = await chains.provider('up');
    const tag = await chains.chain([chains.option(down), chains.option(up)]);

    await library.fallback.run({ tag, input: {} });
    for (let i = 0; i < 2; i++)
      expect((await call(app, 'POST', `/v1/fallbacks/${tag}/run`)).status).toBe(200);
    const jobs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await call(app, 'POST', `/v1/fallbacks/${tag}/dispatch`, { input: {} });
      expect(reply.status).toBe(202);
      jobs.push(reply.body.id);
    }
    for (const id of jobs) expect((await api.jobs.wait(id, { timeout: 15_000 })).state).toBe('completed');

    const fromApi = await call(app, 'GET', '/metrics', undefined, READ_KEY);
    const fromWorker = await (await fetch(workerMetrics)).text();
    const fromLibrary = await library.metrics.text();
    const served = `backstop_runs_total{product="my-product",tag="${tag}",outcome="success",provider="${up.name}"}`;
    const failovers = `backstop_failovers_total{tag="${tag}",from="${down.name}",to="${up.name}"}`;
    const failed = `backstop_attempts_total{provider="${down.name}",outcome="failure",verdict="retry",code="BACKSTOP_PROVIDER_HTTP"}`;
    expect([fromLibrary, fromApi.text, fromWorker].map((text) => sample(text, served))).toEqual([1, 2, 3]);
    expect([fromLibrary, fromApi.text, fromWorker].map((text) => sample(text, failovers))).toEqual([1, 2, 3]);
    expect(sample(fromWorker, failed)).toBe(3);
    expect(
      sample(
        fromWorker,
        `backstop_attempt_duration_seconds_count{provider="${up.name}",outcome="success",attempt="1"}`,
      ),
    ).toBe(3);
    // Every run was made once: six calls to each provider, no more.
    expect(up.calls).toHaveLength(6);
    // Lateness is measured where jobs start: the worker, not the API that dispatched them.
    expect(sample(fromWorker, 'backstop_job_lateness_seconds_count{kind="fallback"}')).toBe(3);
    expect(sample(fromApi.text, 'backstop_job_lateness_seconds_count{kind="fallback"}')).toBe(0);
    // Queue gauges and Node's process metrics, in both processes.
    for (const text of [fromApi.text, fromWorker]) {
      expect(text).toContain('backstop_queue_up 1');
      expect(text).toMatch(/^backstop_queue_workers [1-9]/m);
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
    }
    for (const text of [fromLibrary, fromApi.text, fromWorker]) expect(promtoolCheckMetrics(text)).toBe('');
  });
});
