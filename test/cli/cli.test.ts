import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { until } from '../helpers/until.js';
import { api, type CliProcess, listening, runCli, spawnCli } from './cli-process.js';

const KEY = 'cli-test-key-5f2a9c';

/**
 * `backstop dev` as a user runs it: a real process with its embedded redis-server, the API and a
 * worker; definitions and dispatches go through the HTTP API, jobs are followed with the CLI.
 */
describe('backstop dev', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-cli-'));
  let dev: CliProcess;
  let sim: ProviderSimulator;
  let base = '';
  let redisUrl = '';
  let redisPort = 0;

  beforeAll(async () => {
    sim = await ProviderSimulator.start('acme', { id: 'ch_1', status: 'succeeded' });
    dev = spawnCli(['dev', '--port', '0'], {
      BACKSTOP_DATA_DIR: dataDir,
      BACKSTOP_API_KEYS: `test:${KEY}:write`,
      BACKSTOP_PREFIX: '{cli-dev}',
    });
    base = (await dev.waitFor(/^\s+API\s+(http\S+)$/m))[1]!;
    redisUrl = (await dev.waitFor(/^\s+Redis\s+(redis:\/\/\S+)/m))[1]!;
    redisPort = Number(new URL(redisUrl).port);
  }, 60_000);

  afterAll(async () => {
    await dev?.stop(); // SIGTERM: dev stops the redis-server it started (SIGKILL would orphan it)
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URLs of the API, the dashboard and the OpenAPI document', async () => {
    const out = dev.stdout();
    expect(out).toContain(`${base}/admin/queues`);
    expect(out).toContain(`${base}/dashboard/health`);
    expect(out).toContain(`${base}/openapi.json`);
    expect(out).toContain(`${base}/metrics`);
    expect(out).not.toMatch(/API key\s+dev_/); // configured keys are used, none generated
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/openapi.json`)).status).toBe(401); // everything else needs a key
    expect((await api(base, KEY, 'GET', '/openapi.json')).status).toBe(200);
  });

  it('runs a job dispatched through the HTTP API, seen by GET /v1/jobs/:id and `backstop jobs --wait`', async () => {
    const app = await api(base, KEY, 'POST', '/v1/apps', {
      tag: 'acme',
      envs: { prd: { baseUrl: sim.url } },
      actions: { charge: { method: 'POST', path: '/v1/charges' } },
    });
    expect(app.status).toBeLessThan(300);
    const fallback = await api(base, KEY, 'POST', '/v1/fallbacks?product=cli', {
      name: 'Payments',
      tag: 'payments',
      input: { amount: { type: 'number' } },
      options: [
        {
          type: 'action',
          app: 'acme',
          event: 'charge',
          input: { amount: '$Input{amount}' },
          output: { chargeId: '$Response{id}' },
        },
      ],
    });
    expect(fallback.status).toBe(201);

    const now = await api(base, KEY, 'POST', '/v1/fallbacks/payments/dispatch?product=cli', {
      env: 'prd',
      input: { amount: 2500 },
    });
    expect(now.status).toBe(202);
    let job: Record<string, unknown> = {};
    await until(
      async () => {
        job = (await api(base, KEY, 'GET', `/v1/jobs/${now.body.id}`)).body;
        return job.state === 'completed' || job.state === 'failed';
      },
      20_000,
      'the job to finish',
    );
    expect(job).toMatchObject({
      state: 'completed',
      provider: 'acme',
      result: { chargeId: 'ch_1', provider: 'acme' },
    });
    // `backstop dev` is one process: its /metrics counts the job its worker ran.
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await metrics.text()).toContain(
      'backstop_runs_total{product="cli",tag="payments",outcome="success",provider="acme"} 1',
    );

    // A delayed one, followed from the CLI: it prints each state it passes through. Delayed for an
    // hour, then promoted once the CLI has seen it waiting: however slowly the CLI starts.
    const later = await api(base, KEY, 'POST', '/v1/fallbacks/payments/dispatch?product=cli', {
      env: 'prd',
      input: { amount: 700 },
      schedule: { delay: '1h' },
    });
    expect(later.body.state).toBe('delayed');
    const follower = spawnCli(['jobs', String(later.body.id), '--wait', '--timeout', '90s'], {
      REDIS_URL: redisUrl,
      BACKSTOP_PREFIX: '{cli-dev}',
    });
    await follower.waitFor(new RegExp(`job ${later.body.id}  delayed, due `), 60_000);
    // The `cli` product's named queue, under its own hash tag.
    const queue = new Queue('cli', {
      connection: { url: redisUrl },
      prefix: new Keys('{cli-dev}').jobQueuePrefix('cli'),
    });
    try {
      await (await queue.getJob(String(later.body.id)))!.promote();
    } finally {
      await queue.close();
    }
    const code = await follower.exited;
    const waited = { code, stdout: follower.stdout(), stderr: follower.stderr() };
    expect(waited.stderr).not.toContain('error');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`job ${later.body.id}  delayed, due `));
    expect(waited.stdout).toMatch(new RegExp(`job ${later.body.id}  completed by acme`));
    expect(waited.stdout).toContain(`Job ${later.body.id}: completed`);
    expect(waited.stdout).toContain('"chargeId":"ch_1"');
    expect(sim.calls.map((c) => (c.body as { amount: number }).amount)).toEqual([2500, 700]);
  }, 180_000);

  it('`backstop dispatch` queues through Redis and names the field of bad input, exiting non-zero', async () => {
    const env = { REDIS_URL: redisUrl, BACKSTOP_PREFIX: '{cli-dev}' };
    const bad = await runCli(
      ['dispatch', 'payments', '--product', 'cli', '--env', 'prd', '--input', '{"amount":"25.00"}'],
      env,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BACKSTOP_VALIDATION');
    expect(bad.stderr).toMatch(/^\s+input\.amount: expected number, received string$/m);

    const notJson = await runCli(['dispatch', 'payments', '--product', 'cli', '--input', '{amount: 1}'], env);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^\s+input: --input is not valid JSON/m);

    const missing = await runCli(['dispatch', 'nope', '--product', 'cli', '--env', 'prd'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("BACKSTOP_NOT_FOUND: fallback 'nope' not found in product 'cli'");

    const ok = await runCli(
      [
        'dispatch',
        'payments',
        '--product',
        'cli',
        '--env',
        'prd',
        '--input',
        '{"amount":10}',
        '--wait',
        '--json',
      ],
      env,
    );
    expect(ok.code).toBe(0);
    const [handle, done] = ok.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(handle).toMatchObject({ tag: 'payments', product: 'cli', env: 'prd' });
    expect(done).toMatchObject({ id: handle?.id, state: 'completed', provider: 'acme' });
  }, 60_000);

  it('`backstop status` shows queue counts and the providers', async () => {
    const status = await runCli(['status', '--json', '--env', 'prd'], {
      REDIS_URL: redisUrl,
      BACKSTOP_PREFIX: '{cli-dev}',
    });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      queues: { queue: string; counts: Record<string, number> }[];
      providers: Record<string, unknown>[];
    };
    expect(report.queues.find((q) => q.queue === 'cli')?.counts.completed).toBe(3);
    expect(report.providers).toEqual([
      expect.objectContaining({
        product: 'cli',
        fallback: 'payments',
        order: 1,
        provider: 'acme',
        env: 'prd',
        circuit: 'closed',
      }),
    ]);
    const table = await runCli(['status'], { REDIS_URL: redisUrl, BACKSTOP_PREFIX: '{cli-dev}' });
    expect(table.stdout).toMatch(/^\s+cli\s+0\s+0\s+0\s+0\s+3\s+0$/m);
    expect(table.stdout).toMatch(/^\s+cli\s+payments\s+1\s+acme\s+-/m);
  }, 30_000);

  it('stops on SIGTERM: exit 0, and its embedded redis-server is gone', async () => {
    expect(await listening(redisPort)).toBe(true);
    expect(await dev.stop()).toBe(0);
    expect(dev.stderr()).toContain('SIGTERM: shutting down gracefully');
    await until(async () => !(await listening(redisPort)), 5_000, 'the redis-server to stop');
  }, 30_000);
});

describe('backstop dev --demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-demo-'));
  let dev: CliProcess | undefined;

  afterAll(async () => {
    await dev?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('defines the demo chains, dispatches jobs that complete, and generates a dev key', async () => {
    dev = spawnCli(['dev', '--demo', '--port', '0'], {
      BACKSTOP_DATA_DIR: dataDir,
      BACKSTOP_API_KEYS: undefined,
    });
    const key = (await dev.waitFor(/^\s+API key\s+(dev_\S+)/m))[1]!;
    const base = (await dev.waitFor(/^\s+API\s+(http\S+)$/m))[1]!;
    await dev.waitFor(/job \S+ payment-fallback: completed by stripe/);
    await dev.waitFor(/job \S+ sms-fallback: completed by twilio/, 20_000);
    await dev.waitFor(/recurring payment 'demo-every-5s' every 5 s/);
    const listed = await api(base, key, 'GET', '/v1/fallbacks?product=demo');
    const tags = (listed.body.fallbacks as { tag: string }[]).map((f) => f.tag).sort();
    expect(tags).toEqual(['payment-fallback', 'sms-fallback']);
    expect(await dev.stop()).toBe(0);
  }, 60_000);
});

describe('Ctrl+C in a terminal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-ctrl-c-'));
  let dev: CliProcess | undefined;

  afterAll(async () => {
    try {
      if (dev?.child.pid) process.kill(-dev.child.pid, 'SIGKILL'); // the group: its redis-server too
    } catch {
      // already gone
    }
    await dev?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops with exit 0 when SIGINT reaches the whole process group, embedded redis-server included', async () => {
    dev = spawnCli(['dev', '--port', '0'], { BACKSTOP_DATA_DIR: dataDir }, true);
    const port = Number(new URL((await dev.waitFor(/^\s+Redis\s+(redis:\/\/\S+)/m))[1]!).port);
    process.kill(-dev.child.pid!, 'SIGINT'); // what the terminal does: every process of the job
    const timer = setTimeout(() => dev?.child.kill('SIGKILL'), 15_000);
    expect(await dev.exited).toBe(0);
    clearTimeout(timer);
    expect(await listening(port)).toBe(false);
  }, 45_000);
});
