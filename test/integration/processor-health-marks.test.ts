import { describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  PAYPAL,
  STRIPE,
  statusOf,
  TAG,
  unhealthy,
  useProcessorKit,
  validationNaming,
} from '../helpers/processor-kit.js';
import { until } from '../helpers/until.js';

/** The processor API's update of provider_status: a hand-set mark every process of the installation honours. */
describe('processor update: provider_status', () => {
  const k = useProcessorKit();

  it("'unhealthy' shows in the returned fallback for that provider", async () => {
    const result = await k.update(unhealthy(STRIPE));
    expect(result.action).toBe('update');
    expect(result.changed).toEqual([`providers.${STRIPE}.provider_status`]);
    expect(result.fallback.options[0]).toMatchObject({ provider: STRIPE, provider_status: 'unhealthy' });
    expect(statusOf(result.fallback, PAYPAL)).not.toBe('unhealthy');
  });

  it("'unhealthy' makes the next trigger skip the provider and the secondary serve", async () => {
    await k.update(unhealthy(STRIPE));
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(0);
    const report = await k.backstop.fallback.runDetailed({ tag: TAG, input: { amount: 5 } });
    expect(report.provider).toBe(PAYPAL);
    expect(report.attempts[0]).toMatchObject({ provider: STRIPE, outcome: 'skipped', skipped: 'unhealthy' });
    expect(k.stripe.calls).toHaveLength(0);
  });

  it("'unhealthy' takes `for` as a duration string and rejects a `for` of 0", async () => {
    const result = await k.update(unhealthy(STRIPE, { for: '10m' }));
    expect(statusOf(result.fallback, STRIPE)).toBe('unhealthy');
    await validationNaming(k.update(unhealthy(PAYPAL, { for: 0 })), `input.providers.${PAYPAL}.for`);
    expect(statusOf(await k.backstop.fallback.fetch(TAG), PAYPAL)).not.toBe('unhealthy');
  });

  it("'healthy' clears an 'unhealthy' mark at once", async () => {
    await k.update(unhealthy(STRIPE));
    const result = await k.update({ providers: { [STRIPE]: { provider_status: 'healthy' } } });
    expect(result.changed).toEqual([`providers.${STRIPE}.provider_status`]);
    expect(statusOf(result.fallback, STRIPE)).not.toBe('unhealthy');
    expect(await k.trigger()).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls).toHaveLength(1);
  });

  it('marks the provider in the given env only: a run in another env still calls it', async () => {
    await k.update(unhealthy(STRIPE));
    expect(await k.trigger({ env: 'stg' })).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls).toHaveLength(1);
    expect(await k.trigger({ env: 'prd' })).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(1);
  });

  it('reports provider_status in the env it was asked for', async () => {
    await k.update(unhealthy(STRIPE));
    const inStg = await k.update({ description: 'checked in stg' }, { env: 'stg' });
    expect(statusOf(inStg.fallback, STRIPE)).not.toBe('unhealthy');
  });

  it('another process on the same prefix sees the mark and skips the provider', async () => {
    const other = k.sameInstallation();
    // The other process is connected and following health events before the mark is set.
    expect(await other.fallback.run({ tag: TAG, input: { amount: 5 } })).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls).toHaveLength(1);
    await k.update(unhealthy(STRIPE));
    await until(
      async () => statusOf(await other.fallback.fetch(TAG), STRIPE) === 'unhealthy',
      5_000,
      'the other process to see the mark',
    );
    const report = await other.fallback.runDetailed({ tag: TAG, input: { amount: 5 } });
    expect(report.provider).toBe(PAYPAL);
    expect(report.attempts[0]).toMatchObject({ provider: STRIPE, outcome: 'skipped', skipped: 'unhealthy' });
    expect(k.stripe.calls).toHaveLength(1);
  });

  it('a process that starts after the mark was set skips the provider too', async () => {
    await k.update(unhealthy(STRIPE));
    const other = k.sameInstallation();
    expect(await other.fallback.run({ tag: TAG, input: { amount: 5 } })).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(0);
  });
});

describe('processor update: provider_status for a while, on the fake clock', () => {
  const clock = new FakeClock();
  const k = useProcessorKit({ options: { clock } });

  it("'unhealthy' for 300 ms skips the provider until the time is up, then lets a trial call through", async () => {
    await k.update(unhealthy(STRIPE, { for: 300 }));
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    await clock.advance(299);
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(0);

    await clock.advance(1);

    // The trial's one call is a token shared by every process (trial-gate.ts): a run that asks
    // before this process holds the token still skips the provider, and the next one takes it.
    await until(
      async () => ((await k.trigger()) as { provider: string }).provider === STRIPE,
      5_000,
      'the trial call',
    );
    expect(k.stripe.calls).toHaveLength(1);
  });
});
