import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { redisUrl } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { api, type CliProcess, listening, ROOT, runCli, spawnCli } from './cli-process.js';

const run = promisify(execFile);
const KEY = 'processes-test-key-81c4';

/** `bin/healthcheck.mjs`, the containers' healthcheck, against a URL: its exit code. */
async function healthcheck(url: string): Promise<number> {
  try {
    await run(process.execPath, ['bin/healthcheck.mjs'], {
      cwd: ROOT,
      env: { ...process.env, HEALTHCHECK_URL: url },
    });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? 1;
  }
}

/** The pino line a process logs once it is up, parsed. */
async function readyLine(cli: CliProcess, msg: string, ms = 90_000): Promise<Record<string, unknown>> {
  const match = await cli.waitFor(new RegExp(`^\\{.*"msg":"${msg}".*\\}$`, 'm'), ms);
  return JSON.parse(match[0]) as Record<string, unknown>;
}

/**
 * The docker-compose services as processes: `backstop api`, `backstop worker --no-healthchecks`
 * and `backstop worker --healthchecks-only` on one Redis, with the containers' healthcheck.
 */
describe('backstop api and backstop worker, as docker-compose runs them', () => {
  const env = {
    REDIS_URL: redisUrl(),
    BACKSTOP_PREFIX: `{cli-${randomUUID().slice(0, 8)}}`,
    BACKSTOP_API_KEYS: `ops:${KEY}:write`,
    BACKSTOP_CIRCUIT_THRESHOLD: '0',
  };
  const processes: CliProcess[] = [];
  let sim: ProviderSimulator;
  let base = '';
  let workerMetrics = '';
  let workerHealth = '';

  beforeAll(async () => {
    sim = await ProviderSimulator.start('acme', { id: 'ch_9', status: 'succeeded' });
    const apiProcess = spawnCli(['api', '--port', '0'], env);
    const worker = spawnCli(['worker', '--no-healthchecks', '--port', '0'], env);
    const probes = spawnCli(['worker', '--healthchecks-only'], env);
    processes.push(apiProcess, worker, probes);
    base = String((await readyLine(apiProcess, 'api ready')).api);
    const endpoint = await readyLine(worker, 'liveness endpoint');
    workerHealth = String(endpoint.url);
    workerMetrics = String(endpoint.metrics);
    await readyLine(worker, 'worker ready');
    expect(await readyLine(probes, 'worker ready')).toMatchObject({ fallbacks: false, healthchecks: true });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await sim?.close();
  });

  it('serves the API and the liveness endpoints the containers are checked by', async () => {
    expect(await healthcheck(`${base}/healthz`)).toBe(0);
    expect(await healthcheck(workerHealth)).toBe(0);
    expect(await healthcheck(`${base}/nothing-here`)).toBe(1);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200); // Redis answers and a fallback worker is connected
  });

  it('runs a job dispatched through the API on the worker process, and probes on the other', async () => {
    await api(base, KEY, 'POST', '/v1/apps', {
      tag: 'acme',
      envs: { prd: { baseUrl: sim.url } },
      actions: { charge: { method: 'POST', path: '/charge' }, ping: { method: 'GET', path: '/ping' } },
    });
    await api(base, KEY, 'POST', '/v1/healthchecks?product=ops', {
      name: 'Acme',
      tag: 'acme-health',
      app: 'acme',
      event: 'ping',
      interval: 500,
      envs: [{ slug: 'prd' }],
    });
    const created = await api(base, KEY, 'POST', '/v1/fallbacks?product=ops', {
      name: 'Charge',
      tag: 'charge',
      options: [{ type: 'action', app: 'acme', event: 'charge', healthcheck: 'acme-health' }],
    });
    expect(created.status).toBe(201);
    const job = await api(base, KEY, 'POST', '/v1/fallbacks/charge/dispatch?product=ops', { env: 'prd' });
    expect(job.status).toBe(202);
    const waited = await runCli(['jobs', String(job.body.id), '--wait', '--json'], env);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ state: 'completed', provider: 'acme' });
    // The --healthchecks-only process probes the provider: its state reaches Redis.
    await until(
      async () => (await runCli(['status', '--json'], env)).stdout.includes('"provider_status":"healthy"'),
      20_000,
      'the probe to mark acme healthy',
    );
    expect(sim.calls.some((c) => c.path === '/ping')).toBe(true);
    // The worker process counted the run it made, on its own liveness port.
    const metrics = await (await fetch(workerMetrics)).text();
    expect(metrics).toContain(
      'backstop_runs_total{product="ops",tag="charge",outcome="success",provider="acme"} 1',
    );
    expect(promtoolCheckMetrics(metrics)).toBe('');
  }, 60_000);

  it('stops each process on SIGTERM with exit 0; the worker liveness check then fails', async () => {
    const codes = await Promise.all(processes.map((p) => p.stop()));
    expect(codes).toEqual([0, 0, 0]);
    expect(await healthcheck(workerHealth)).toBe(1);
  }, 40_000);
});

describe('misconfiguration', () => {
  it('`backstop api` without BACKSTOP_API_KEYS exits 1 naming the variable', async () => {
    const result = await runCli(['api', '--port', '0'], {
      REDIS_URL: redisUrl(),
      BACKSTOP_API_KEYS: undefined,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/BACKSTOP_VALIDATION.*\n\s+BACKSTOP_API_KEYS: not set/);
  }, 30_000);

  it("`backstop worker` without REDIS_URL uses the project's embedded Redis, says so, and stops it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-worker-'));
    const worker = spawnCli(['worker'], { BACKSTOP_DATA_DIR: dataDir });
    try {
      const warning = await readyLine(
        worker,
        'REDIS_URL is not set: using the embedded redis-server',
        90_000,
      );
      expect(String(warning.redis)).toContain(`started by this process, data in ${join(dataDir, 'redis')}`);
      await readyLine(worker, 'worker ready', 90_000);
      const { port } = JSON.parse(readFileSync(join(dataDir, 'redis', 'server.json'), 'utf8')) as {
        port: number;
      };
      expect(await listening(port)).toBe(true);
      expect(await worker.stop()).toBe(0);
      expect(await listening(port)).toBe(false);
    } finally {
      await worker.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('`backstop worker` with a malformed BACKSTOP_SESSION_KEY exits 1 at start, naming it', async () => {
    const result = await runCli(
      ['worker'],
      { REDIS_URL: redisUrl(), BACKSTOP_SESSION_KEY: 'replace-me' },
      60_000,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^\s+env\.BACKSTOP_SESSION_KEY: expected 32 bytes as 64 hex digits or base64 \(e\.g\. `openssl rand -hex 32`\)$/m,
    );
  }, 90_000);

  it('refuses --healthchecks-only with --no-healthchecks', async () => {
    const result = await runCli(['worker', '--healthchecks-only', '--no-healthchecks'], {
      REDIS_URL: redisUrl(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot be used with option '--no-healthchecks'/);
  }, 30_000);

  it('rejects a malformed --port before starting anything', async () => {
    const result = await runCli(['dev', '--port', 'eighty']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--port: expected a whole number');
  }, 30_000);
});
