import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop, QuotaStatus } from '../../src/index.js';
import { redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { runCli } from './cli-process.js';

/** `backstop quotas` as a real process on the test Redis: the counts runs of another process wrote. */
const prefix = uniquePrefix();
const env = { REDIS_URL: redisUrl(), BACKSTOP_PREFIX: prefix, BACKSTOP_PRODUCT: 'ops', BACKSTOP_ENV: 'prd' };
const cli = (args: string[]) => runCli(args, env, 90_000);
let backstop: Backstop;

beforeAll(async () => {
  backstop = testBackstop({ prefix, product: 'ops', env: 'prd' });
  backstop.handlers.register('a', 'send', async () => ({ id: 'a' }));
  backstop.handlers.register('b', 'send', async () => ({ id: 'b' }));
  await backstop.quota.create({
    name: 'Messages',
    tag: 'messages',
    options: [
      { type: 'action', app: 'a', event: 'send', quota: 1 },
      { type: 'action', app: 'b', event: 'send', quota: 0 },
    ],
  });
  for (let i = 0; i < 5; i++) await backstop.quota.run({ tag: 'messages', input: {} });
}, 60_000);

afterAll(() => backstop?.close());

describe('backstop quotas', () => {
  it('lists quotas with their weights and shows the status another process counted', async () => {
    const list = await cli(['quotas', 'list']);
    expect(list.stderr).toBe('');
    expect(list.stdout).toContain('messages');
    expect(list.stdout).toContain('a 1, b 0');
    const status = await cli(['quotas', 'status', 'messages', '--json']);
    const parsed = JSON.parse(status.stdout) as QuotaStatus;
    expect(parsed.providers).toEqual([
      expect.objectContaining({ name: 'a', weight: 1, uses: 5, share: 1 }),
      expect.objectContaining({ name: 'b', weight: 0, uses: 0, status: 'drained' }),
    ]);
    const text = await cli(['quotas', 'status', 'messages']);
    expect(text.stdout).toContain('100.0 %');
  }, 180_000);
});

describe('backstop drills', () => {
  it('starts a drill, lists it and cancels it', async () => {
    const started = await cli([
      'drills',
      'start',
      '--provider',
      'a',
      '--mode',
      'down',
      '--duration',
      '600000',
      '--json',
    ]);
    expect(started.stderr).toBe('');
    const drill = JSON.parse(started.stdout) as { id: string; provider: string };
    expect(drill.provider).toBe('a');
    expect((await backstop.health.drills()).map((d) => d.id)).toEqual([drill.id]);
    expect((await cli(['drills', 'list'])).stdout).toContain(drill.id);
    const cancelled = await cli(['drills', 'cancel', drill.id]);
    expect(cancelled.code).toBe(0);
    expect(await backstop.health.drills()).toEqual([]);
    const bad = await cli(['drills', 'start', '--provider', 'a', '--mode', 'slow', '--duration', '1000']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('latencyMs');
  }, 180_000);
});
