import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { until } from '../helpers/until.js';
import { api, type CliProcess, listening, runCli, spawnCli } from './cli-process.js';

const KEY = 'dev-restart-key-3b7e';

/**
 * Without REDIS_URL, every process of a project shares one embedded redis-server: `backstop dev`
 * in one terminal, `backstop dispatch` in another, and the same data after a restart. Real
 * processes, as a user runs them; the project is a temporary BACKSTOP_DATA_DIR.
 */
describe('one embedded Redis per project', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'backstop-project-'));
  const env = { BACKSTOP_DATA_DIR: dataDir, BACKSTOP_API_KEYS: `test:${KEY}:write`, REDIS_URL: undefined };
  const cli = (args: string[]) => runCli(args, env, 90_000);
  let sim: ProviderSimulator;
  let dev: CliProcess | undefined;

  async function startDev(): Promise<{ base: string; redisUrl: string }> {
    dev = spawnCli(['dev', '--port', '0'], env);
    const base = (await dev.waitFor(/^\s+API\s+(http\S+)$/m, 90_000))[1]!;
    const redisUrl = (await dev.waitFor(/^\s+Redis\s+(redis:\/\/\S+)/m))[1]!;
    return { base, redisUrl };
  }

  beforeAll(async () => {
    sim = await ProviderSimulator.start('acme', { id: 'ch_7', status: 'succeeded' });
  });

  afterAll(async () => {
    await dev?.stop(); // SIGTERM: dev stops the redis-server it started (SIGKILL would orphan it)
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('`backstop dispatch` from a second process reaches the `backstop dev` worker; definitions and jobs survive a restart', async () => {
    const first = await startDev();
    expect(dev!.stdout()).toContain('embedded redis-server, started by this process');
    const app = await api(first.base, KEY, 'POST', '/v1/apps', {
      tag: 'acme',
      envs: { prd: { baseUrl: sim.url } },
      actions: { charge: { method: 'POST', path: '/v1/charges' } },
    });
    expect(app.status).toBeLessThan(300);
    const made = await api(first.base, KEY, 'POST', '/v1/fallbacks?product=shop', {
      name: 'Payments',
      tag: 'payments',
      options: [{ type: 'action', app: 'acme', event: 'charge', input: { amount: '$Input{amount}' } }],
    });
    expect(made.status).toBe(201);

    // Another terminal, no REDIS_URL: it finds dev's server rather than starting its own.
    const dispatched = await cli([
      'dispatch',
      'payments',
      '--product',
      'shop',
      '--env',
      'prd',
      '--input',
      '{"amount":42}',
      '--wait',
      '--json',
    ]);
    expect(dispatched.stderr).not.toContain('started the embedded redis-server');
    expect(dispatched.code).toBe(0);
    const [handle, done] = dispatched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(done).toMatchObject({ id: handle?.id, state: 'completed', provider: 'acme' });
    expect(sim.calls.map((c) => c.body)).toEqual([{ amount: 42 }]);

    // dev stops the server it started.
    expect(await dev!.stop()).toBe(0);
    await until(
      async () => !(await listening(Number(new URL(first.redisUrl).port))),
      30_000,
      'Redis to stop',
    );

    // With nothing running, a command starts the server for itself, queues, and stops it again:
    // the job waits on disk for the next worker.
    const queued = await cli([
      'dispatch',
      'payments',
      '--product',
      'shop',
      '--env',
      'prd',
      '--input',
      '{"amount":7}',
      '--json',
    ]);
    expect(queued.stderr).toContain('started the embedded redis-server');
    const queuedId = String((JSON.parse(queued.stdout) as { id: string }).id);
    expect(await listening(Number(new URL(first.redisUrl).port))).toBe(false);

    // A restarted dev: same Redis URL, the definitions and the earlier job are still there, and its
    // worker runs the job queued while it was down.
    const second = await startDev();
    expect(second.redisUrl).toBe(first.redisUrl);
    const listed = await cli(['fallbacks', 'list', '--json']);
    expect((JSON.parse(listed.stdout) as { tag: string }[]).map((f) => f.tag)).toEqual(['payments']);
    const earlier = await cli(['jobs', String(handle?.id), '--json']);
    expect(JSON.parse(earlier.stdout)).toMatchObject({ state: 'completed', provider: 'acme' });
    const later = await cli(['jobs', queuedId, '--wait', '--timeout', '60s', '--json']);
    expect(later.code).toBe(0);
    expect(sim.calls.map((c) => c.body)).toEqual([{ amount: 42 }, { amount: 7 }]);
    expect(await dev!.stop()).toBe(0);
  }, 300_000);
});
