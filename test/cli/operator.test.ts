import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop, BackstopWorker, JobView } from '../../src/index.js';
import { CLI_CODE_TAG, defineCodeChain } from '../fixtures/cli-definitions.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { ROOT, runCli } from './cli-process.js';

/**
 * The operator's commands as real `backstop` processes on the test Redis. A worker runs in this
 * process with declarative definitions only, so a code-first chain dispatched by a CLI that loads
 * BACKSTOP_DEFINITIONS fails there for want of its definition, as in the reported incident.
 */
const prefix = uniquePrefix();
const env = { REDIS_URL: redisUrl(), BACKSTOP_PREFIX: prefix, BACKSTOP_PRODUCT: 'ops', BACKSTOP_ENV: 'prd' };
const withDefinitions = { ...env, BACKSTOP_DEFINITIONS: join(ROOT, 'test/fixtures/cli-definitions.ts') };

let backstop: Backstop;
let worker: BackstopWorker;
let sim: ProviderSimulator;

// Each command is a real process (Node and tsx): on a loaded machine one takes seconds.
const cli = (args: string[], extra: Record<string, string> = env) => runCli(args, extra, 90_000);
const json = <T>(stdout: string): T => JSON.parse(stdout) as T;

beforeAll(async () => {
  sim = await ProviderSimulator.start('acme', { id: 'ch_1', status: 'succeeded' });
  backstop = testBackstop({ prefix, product: 'ops', env: 'prd' });
  await backstop.app.define({
    tag: 'acme',
    envs: { prd: { baseUrl: sim.url } },
    actions: { charge: { method: 'POST', path: '/v1/charges' } },
  });
  await backstop.fallback.create({
    name: 'Payments',
    tag: 'payments',
    input: { amount: { type: 'number' } },
    options: [{ type: 'action', app: 'acme', event: 'charge', input: { amount: '$Input{amount}' } }],
  });
  worker = await backstop.worker({ healthchecks: false });
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await backstop?.close();
  await sim?.close();
});

describe('backstop jobs', () => {
  it("shows a failed job's error, lists it by state and tag, and retries it once the worker knows the chain", async () => {
    const dispatched = await cli(
      ['dispatch', CLI_CODE_TAG, '--input', '{"amount":5}', '--json'],
      withDefinitions,
    );
    expect(dispatched.stderr).toBe('');
    const { id } = json<{ id: string }>(dispatched.stdout);
    await until(async () => (await backstop.jobs.get(id)).state === 'failed', 60_000, 'the job to fail');

    const shown = await cli(['jobs', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Job ${id}: failed`);
    expect(shown.stdout).toMatch(/error\s+BACKSTOP_NOT_FOUND: .*code-chain/);
    expect(shown.stdout).toContain('Attempts: none (no provider was called)');
    expect(shown.stdout).not.toContain('none yet');

    const waited = await cli(['jobs', id, '--wait']);
    expect(waited.code).toBe(1);
    expect(waited.stdout).toContain('failed: BACKSTOP_NOT_FOUND');

    const listed = json<JobView[]>(
      (await cli(['jobs', 'list', '--state', 'failed', '--tag', CLI_CODE_TAG, '--json'])).stdout,
    );
    expect(listed.map((j) => [j.id, j.state, j.error?.code])).toEqual([[id, 'failed', 'BACKSTOP_NOT_FOUND']]);
    const table = await cli(['jobs', 'list', '--state', 'failed']);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+failed\\s+${CLI_CODE_TAG}\\s+ops\\s+prd`, 'm'));

    await defineCodeChain(backstop); // the operator fixes the worker's definitions
    const retried = await cli(['jobs', 'retry', id]);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    await until(async () => (await backstop.jobs.get(id)).state === 'completed', 60_000, 'the retried job');
    expect((await backstop.jobs.get(id)).result).toEqual({ provider: 'ledger', charged: 5 });

    const again = await cli(['jobs', 'retry', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^error BACKSTOP_CONFLICT: job '[^']+' is completed; only a failed job can be retried/,
    );
  }, 180_000);

  it('cancels a delayed job; an unknown one is not found; a bad --state names the flag', async () => {
    const { id } = json<{ id: string }>(
      (await cli(['dispatch', 'payments', '--input', '{"amount":1}', '--delay', '1h', '--json'])).stdout,
    );
    const cancelled = await cli(['jobs', 'cancel', id, '--json']);
    expect(cancelled.code).toBe(0);
    expect(json<JobView>(cancelled.stdout)).toMatchObject({ id, state: 'cancelled', tag: 'payments' });
    const gone = await cli(['jobs', 'cancel', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`error BACKSTOP_NOT_FOUND: job '${id}' not found`);

    const bad = await cli(['jobs', 'list', '--state', 'broken']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^\s+--state: expected one of "active", "waiting"/m);
  }, 180_000);
});

describe('errors, once and in CLI words', () => {
  it('a past --at asks for --allow-past, printed once', async () => {
    const past = await cli([
      'dispatch',
      'payments',
      '--input',
      '{"amount":1}',
      '--at',
      '2020-01-01T00:00:00Z',
    ]);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain(
      '--at: 2020-01-01T00:00:00.000Z is in the past; pass --allow-past to run it now',
    );
    expect(past.stderr).not.toContain('allowPast');
    expect(past.stderr.match(/is in the past/g)).toHaveLength(1);

    const two = await cli([
      'dispatch',
      'payments',
      '--input',
      '{"amount":1}',
      '--delay',
      '5s',
      '--every',
      '1m',
    ]);
    expect(two.stderr).toContain('use one of --delay, --at, --cron or --every, not --delay and --every');
  }, 180_000);

  it('an unknown tag gets the nearest known one', async () => {
    const typo = await cli(['dispatch', 'paymnts', '--input', '{"amount":1}']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("error BACKSTOP_NOT_FOUND: fallback 'paymnts' not found in product 'ops'");
    expect(typo.stderr).toMatch(/did you mean 'payments'\? \(known fallbacks in product 'ops': payments\)/);

    const show = await cli(['fallbacks', 'show', 'paymets']);
    expect(show.stderr).toContain("did you mean 'payments'?");

    const product = await cli(['dispatch', 'payments', '--product', 'opps']);
    expect(product.stderr).toContain("no fallbacks in product 'opps'; did you mean 'ops'?");
  }, 180_000);
});

describe('backstop schedules, fallbacks and health', () => {
  it('lists and removes schedules, suggesting the nearest id', async () => {
    // Made through the library: the commands under test are list and remove.
    for (const jobId of ['heartbeat', 'nightly']) {
      await backstop.fallback.dispatch({
        tag: 'payments',
        input: { amount: 1 },
        schedule: { every: '1h' },
        jobId,
      });
    }
    const listed = json<{ id: string; tag: string; every: number }[]>(
      (await cli(['schedules', 'list', '--json'])).stdout,
    );
    expect(listed.map((s) => [s.id, s.tag, s.every]).sort()).toEqual([
      ['heartbeat', 'payments', 3_600_000],
      ['nightly', 'payments', 3_600_000],
    ]);
    const typo = await cli(['schedules', 'remove', 'heartbeet']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("did you mean 'heartbeat'?");
    expect((await cli(['schedules', 'remove', 'heartbeat'])).stdout).toContain('Removed schedule heartbeat');
    expect((await cli(['schedules', 'list'])).stdout).toMatch(/^nightly\s+payments\s+every 3600000 ms/m);
    await backstop.schedules.remove('nightly');
  }, 180_000);

  it('lists fallbacks of Redis and of BACKSTOP_DEFINITIONS, shows one, and reports provider health', async () => {
    const listed = json<{ tag: string; source: string }[]>(
      (await cli(['fallbacks', 'list', '--json'], withDefinitions)).stdout,
    );
    expect(listed.map((f) => [f.tag, f.source]).sort()).toEqual([
      [CLI_CODE_TAG, 'code'],
      ['payments', 'declarative'],
    ]);
    const shown = await cli(['fallbacks', 'show', 'payments']);
    expect(shown.stdout).toContain('Fallback payments (product ops): Payments');
    expect(shown.stdout).toMatch(/^\s+1\s+acme\s+action acme\.charge\s+0\s+-\s+unknown\s+never$/m);
    expect(
      json<{ tag: string; options: unknown[] }>(
        (await cli(['fallbacks', 'show', 'payments', '--json'])).stdout,
      ),
    ).toMatchObject({ tag: 'payments', options: [expect.objectContaining({ provider: 'acme' })] });

    const health = json<Record<string, unknown>[]>((await cli(['health', '--env', 'prd', '--json'])).stdout);
    expect(health).toEqual([
      expect.objectContaining({
        product: 'ops',
        fallback: 'payments',
        provider: 'acme',
        env: 'prd',
        circuit: 'closed',
      }),
    ]);
    expect((await cli(['health'])).stdout).toMatch(/^ops\s+payments\s+1\s+acme\s+-/m);
  }, 180_000);
});
