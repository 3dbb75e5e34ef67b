import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_INPUT, SMS_RESPONSES, smsApps } from '../fixtures/sms-chain.js';
import { smsQuota, smsQuotaInCode } from '../fixtures/sms-quota.js';
import { seeded } from '../helpers/idempotent-provider.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { urlsOf, useSimulators } from '../helpers/simulators.js';
import { until } from '../helpers/until.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

/** Quotas against real HTTP providers on loopback, run here and by a worker child process. */
describe('quotas: weighted distribution over loopback providers', () => {
  const prefix = uniquePrefix();
  const backstop = testBackstop({ prefix, random: seeded(17) });
  const sims = useSimulators(SMS_RESPONSES);
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    for (const app of smsApps(urlsOf(sims))) await backstop.app.define(app);
  });
  afterAll(async () => {
    await worker?.stop();
    await backstop.close();
  });

  it('counts the runs of this process and the jobs of a worker process in one status', async () => {
    await backstop.quota.create(smsQuota());
    worker = await startWorkerProcess(prefix);
    const runs = 60;
    const jobs = 40;
    const served: string[] = [];
    for (let i = 0; i < runs; i++)
      served.push((await backstop.quota.run({ tag: 'sms-quota', input: SMS_INPUT })).provider);
    const handles = await Promise.all(
      Array.from({ length: jobs }, () => backstop.quota.dispatch({ tag: 'sms-quota', input: SMS_INPUT })),
    );
    for (const handle of handles) {
      const view = await backstop.jobs.wait(handle.id, { timeout: 15_000 });
      expect(view.state).toBe('completed');
    }
    // The worker writes its counts within its flush interval: wait for them, never for a time.
    const total = async () =>
      (await backstop.quota.status({ tag: 'sms-quota' })).providers.reduce((a, p) => a + p.uses, 0);
    await until(async () => (await total()) === runs + jobs);
    const status = await backstop.quota.status({ tag: 'sms-quota' });
    expect(status.tag).toBe('sms-quota');
    const byName = Object.fromEntries(status.providers.map((p) => [p.name, p]));
    expect(byName.twilio!.uses).toBe(sims.twilio.calls.length);
    expect(byName.vonage!.uses).toBe(sims.vonage.calls.length);
    expect(byName['aws-sns']).toMatchObject({ weight: 0, uses: 0, share: 0, status: 'drained' });
    expect(sims['aws-sns'].calls).toHaveLength(0);
    expect(byName.twilio).toMatchObject({ weight: 70, expected: 0.7 });
    expect(byName.twilio!.share + byName.vonage!.share).toBeCloseTo(1);
    // Both processes used both providers (a 70/30 split over 60 and 40 runs).
    expect(served).toContain('twilio');
    expect(served).toContain('vonage');
    expect(worker.logs.some((l) => l.msg === 'job completed')).toBe(true);
  });

  it('fails over from a failing pick to the other provider, with one idempotency key per provider', async () => {
    await backstop.quota.create(smsQuota('sms-quota-failover'));
    sims.twilio.down(503);
    for (let i = 0; i < 20; i++) {
      const report = await backstop.quota.runDetailed({ tag: 'sms-quota-failover', input: SMS_INPUT });
      expect(report.provider).toBe('vonage');
      expect(report.result).toMatchObject({ provider: 'vonage', messageId: SMS_RESPONSES.vonage.message_id });
      const twilioTries = report.attempts.filter((a) => a.provider === 'twilio');
      // When Twilio was picked, it was retried once (retries: 1) with one key, then Vonage served.
      if (twilioTries.length) {
        expect(twilioTries.map((a) => a.outcome)).toEqual(['failure', 'failure']);
        expect(new Set(twilioTries.map((a) => a.idempotencyKey)).size).toBe(1);
      }
    }
    const status = await backstop.quota.status({ tag: 'sms-quota-failover' });
    expect(status.providers.find((p) => p.name === 'vonage')!.uses).toBe(20);
    expect(status.providers.find((p) => p.name === 'twilio')!.uses).toBe(0);
  });

  it('defines a quota in code: ctx.provider(name).weight(n), shares by weight on the seeded source', async () => {
    const described = await backstop.quota.define(smsQuotaInCode());
    expect(described.options.map((o) => [o.provider, o.weight])).toEqual([
      ['twilio', 70],
      ['vonage', 30],
    ]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const { provider } = await backstop.quota.run({ tag: 'sms-quota-code', input: SMS_INPUT });
      counts[provider] = (counts[provider] ?? 0) + 1;
    }
    // A seeded source: the split is the same on every run of this test, and near 70/30.
    expect(Math.abs(counts.twilio! / 400 - 0.7)).toBeLessThan(0.06);
    const status = await backstop.quota.status({ tag: 'sms-quota-code' });
    expect(status.providers.map((p) => p.uses)).toEqual([counts.twilio, counts.vonage]);
  });

  it('fetches, updates (new weights) and deletes in both argument forms', async () => {
    await backstop.quota.create('my-product', smsQuota('sms-quota-crud'));
    expect((await backstop.quota.fetch('sms-quota-crud')).options.map((o) => o.quota ?? o.weight)).toEqual([
      70, 30, 0,
    ]);
    const all = await backstop.quota.fetchAll('my-product');
    expect(all.map((q) => q.tag)).toContain('sms-quota-crud');
    // Quotas and fallbacks are kept apart.
    expect((await backstop.fallback.fetchAll('my-product')).map((f) => f.tag)).not.toContain(
      'sms-quota-crud',
    );
    const updated = await backstop.quota.update('my-product', 'sms-quota-crud', {
      options: smsQuota().options.map((o) => (o.provider === 'twilio' ? { ...o, quota: 0 } : o)),
    });
    expect(updated.version).toBe(2);
    for (let i = 0; i < 10; i++)
      expect((await backstop.quota.run({ tag: 'sms-quota-crud', input: SMS_INPUT })).provider).toBe('vonage');
    await backstop.quota.delete('sms-quota-crud');
    await expect(backstop.quota.fetch('my-product', 'sms-quota-crud')).rejects.toMatchObject({
      code: 'BACKSTOP_NOT_FOUND',
      message: expect.stringContaining("quota 'sms-quota-crud'"),
    });
  });

  it('refuses bad weights naming the field', async () => {
    const bad = smsQuota('sms-quota-bad');
    bad.options[0] = { ...bad.options[0]!, quota: -1 };
    await expect(backstop.quota.create(bad)).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      message: expect.stringContaining('options[0].quota'),
    });
    const allDrained = smsQuota('sms-quota-drained');
    allDrained.options = allDrained.options.map((o) => ({ ...o, quota: 0, weight: undefined }));
    await expect(backstop.quota.create(allDrained)).rejects.toMatchObject({ code: 'BACKSTOP_VALIDATION' });
    await expect(
      backstop.quota.define({ tag: 'q', name: 'q', handler: (ctx) => void ctx.provider('a').weight(-2) }),
    ).rejects.toMatchObject({ code: 'BACKSTOP_VALIDATION', message: expect.stringContaining('weight') });
  });
});

describe('quotas and the result cache', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it("never serves a fallback's cached result to a quota of the same tag, and does not count a cached result as a use", async () => {
    backstop.handlers.register('f', 'go', async () => ({ id: 'from-fallback' }));
    backstop.handlers.register('q', 'go', async () => ({ id: 'from-quota' }));
    await backstop.cache.define({ tag: 'short', ttl: 60_000 });
    await backstop.fallback.define({
      tag: 'dup',
      name: 'dup',
      handler: (ctx) => void ctx.primary('f').app('f').action('go'),
    });
    await backstop.quota.define({
      tag: 'dup',
      name: 'dup',
      handler: (ctx) => void ctx.provider('q').app('q').action('go'),
    });
    expect((await backstop.fallback.run({ tag: 'dup', input: { a: 1 }, cache: 'short' })).id).toBe(
      'from-fallback',
    );
    const first = await backstop.quota.runDetailed({ tag: 'dup', input: { a: 1 }, cache: 'short' });
    expect(first.result.id).toBe('from-quota');
    expect(first.cache?.hit).toBe(false);
    const again = await backstop.quota.runDetailed({ tag: 'dup', input: { a: 1 }, cache: 'short' });
    expect(again.cache?.hit).toBe(true);
    expect(again.result.id).toBe('from-quota');
    const status = await backstop.quota.status({ tag: 'dup' });
    expect(status.providers[0]!.uses).toBe(1);
  });
});
