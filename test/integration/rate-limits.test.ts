import { afterEach, describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';

/**
 * `rateLimit: { max, per }` on an option: counted in Redis across every Backstop (process) of an
 * installation; a call over the limit waits for a slot within the deadline, or fails over, and
 * the attempt record says which.
 */
describe('provider rate limits shared by every process', () => {
  const opened: Backstop[] = [];
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
  });

  /** Two Backstops on one prefix (as two processes), each with the chain and counting calls. */
  async function pair(rateLimit: { max: number; per: string }, deadline?: number) {
    const prefix = uniquePrefix();
    const calls = { sms: 0, backup: 0 };
    const make = async () => {
      const b = testBackstop({ prefix });
      opened.push(b);
      b.handlers.register('sms-app', 'send', async () => ({ id: `sms-${++calls.sms}` }));
      b.handlers.register('backup-app', 'send', async () => ({ id: `backup-${++calls.backup}` }));
      await b.fallback.define({
        tag: 'notify',
        name: 'notify',
        ...(deadline ? { deadline } : {}),
        handler: (ctx) => {
          ctx.primary('sms').app('sms-app').action('send').rateLimit(rateLimit.max, rateLimit.per);
          ctx.fallback('backup').app('backup-app').action('send');
        },
      });
      return b;
    };
    return { a: await make(), b: await make(), calls };
  }

  it('fails over once the shared limit is used up and no slot frees within the deadline', async () => {
    const { a, b, calls } = await pair({ max: 2, per: '1h' }, 5_000);
    const reports = [
      await a.fallback.runDetailed({ tag: 'notify' }),
      await b.fallback.runDetailed({ tag: 'notify' }),
      await a.fallback.runDetailed({ tag: 'notify' }),
      await b.fallback.runDetailed({ tag: 'notify' }),
    ];
    expect(reports.map((r) => r.provider)).toEqual(['sms', 'sms', 'backup', 'backup']);
    expect(calls).toEqual({ sms: 2, backup: 2 });
    expect(reports[2]?.attempts[0]).toMatchObject({
      provider: 'sms',
      outcome: 'skipped',
      skipped: 'rate-limited',
    });
  });

  it('waits for a slot when one frees up in time, and records the wait', async () => {
    const { a, b, calls } = await pair({ max: 1, per: '1s' });
    const reports = await Promise.all([
      a.fallback.runDetailed({ tag: 'notify' }),
      b.fallback.runDetailed({ tag: 'notify' }),
    ]);
    expect(reports.map((r) => r.provider)).toEqual(['sms', 'sms']);
    expect(calls.sms).toBe(2);
    const waited = reports.map((r) => r.attempts[0]?.rateLimitedMs).filter((ms) => ms !== undefined);
    expect(waited).toHaveLength(1);
    expect(waited[0]).toBeGreaterThan(0);
  });

  it('counts an app action’s limit across chains: over it, the attempt is refused unsent and the run fails over', async () => {
    const prefix = uniquePrefix();
    const stripe = await ProviderSimulator.start('stripe');
    try {
      const [a, b] = [testBackstop({ prefix }), testBackstop({ prefix })];
      opened.push(a, b);
      await a.app.define({
        tag: 'stripe',
        envs: { prd: { baseUrl: stripe.url } },
        actions: { charge: { method: 'POST', path: '/charge', rateLimit: { max: 1, per: '1h' } } },
      });
      a.handlers.register('backup-app', 'send', async () => ({ id: 'backup' }));
      b.handlers.register('backup-app', 'send', async () => ({ id: 'backup' }));
      for (const tag of ['pay', 'refund']) {
        await a.fallback.create({
          name: tag,
          tag,
          deadline: 5_000,
          options: [
            { type: 'action', app: 'stripe', event: 'charge', retries: 0 },
            { type: 'action', app: 'backup-app', event: 'send', retries: 0 },
          ],
        });
      }
      expect(await a.fallback.runDetailed({ tag: 'pay' })).toMatchObject({ provider: 'stripe' });
      const limited = await b.fallback.runDetailed({ tag: 'refund' });
      expect(limited.provider).toBe('backup-app');
      expect(limited.attempts[0]).toMatchObject({
        provider: 'stripe',
        outcome: 'failure',
        error: { code: 'BACKSTOP_RATE_LIMITED', verdict: 'failover', sent: false },
      });
      expect(stripe.calls).toHaveLength(1);
    } finally {
      await stripe.close();
    }
  });

  it('refuses a bad limit, naming the field', async () => {
    const b = testBackstop();
    opened.push(b);
    const create = (rateLimit: unknown) =>
      rejection(
        b.fallback.create({
          name: 'n',
          tag: 'n',
          options: [{ type: 'action', app: 'x', event: 'y', rateLimit } as never],
        }),
      );
    for (const [rateLimit, path] of [
      [{ max: 0, per: '1s' }, 'options[0].rateLimit.max'],
      [{ max: 1, per: 'soon' }, 'options[0].rateLimit.per'],
    ] as const) {
      const error = await create(rateLimit);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([path]);
    }
  });
});
