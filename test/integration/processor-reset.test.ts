import { beforeEach, describe, expect, it } from 'vitest';
import { SessionInvalidError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import { PAYPAL, STRIPE, statusOf, TAG, unhealthy, useProcessorKit } from '../helpers/processor-kit.js';
import { until } from '../helpers/until.js';

/** The processor API's reset (circuits, marks and cached results of one env), and operator sessions. */
describe('processor reset', () => {
  const k = useProcessorKit({ options: { circuit: { threshold: 1, cooldownMs: 60_000 } } });

  it('closes a circuit a failure opened: the next run calls the primary again', async () => {
    k.stripe.next({ kind: 'fail', status: 503 });
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    await until(
      async () => statusOf(await k.backstop.fallback.fetch(TAG), STRIPE) === 'unhealthy',
      5_000,
      'the circuit to open',
    );
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(1);

    const result = await k.reset();
    expect(result).toEqual({ action: 'reset', env: 'prd', providers: [STRIPE, PAYPAL], cacheEntries: 0 });
    expect(await k.trigger()).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls).toHaveLength(2);
  });

  it("clears a manual 'unhealthy' mark", async () => {
    await k.update(unhealthy(STRIPE));
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    await k.reset();
    expect(statusOf(await k.backstop.fallback.fetch(TAG), STRIPE)).not.toBe('unhealthy');
    expect(await k.trigger()).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls).toHaveLength(1);
  });

  it('deletes the cached results: cacheEntries counts them and the next cached run calls the provider', async () => {
    await k.backstop.cache.define({ tag: 'payments', ttl: '10m' });
    await k.trigger({ cache: 'payments', input: { amount: 5 } });
    await k.trigger({ cache: 'payments', input: { amount: 6 } });
    await k.trigger({ cache: 'payments', input: { amount: 5 } });
    expect(k.stripe.calls).toHaveLength(2);

    const result = await k.reset();
    expect(result.cacheEntries).toBe(2);
    await k.trigger({ cache: 'payments', input: { amount: 5 } });
    expect(k.stripe.calls).toHaveLength(3);
  });

  it('keeps the cached results of other envs', async () => {
    await k.backstop.cache.define({ tag: 'payments', ttl: '10m' });
    await k.trigger({ cache: 'payments', env: 'stg' });
    expect((await k.reset({ env: 'prd' })).cacheEntries).toBe(0);
    await k.trigger({ cache: 'payments', env: 'stg' });
    expect(k.stripe.calls).toHaveLength(1);
  });

  it('leaves other envs alone', async () => {
    await k.update(unhealthy(STRIPE), { env: 'stg' });
    const result = await k.reset({ env: 'prd' });
    expect(result.env).toBe('prd');
    expect(await k.trigger({ env: 'stg' })).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(0);
  });
});

describe('processor update and reset with a session', () => {
  const k = useProcessorKit();
  let token: string;
  beforeEach(async () => {
    await k.backstop.session.define({ tag: 'operator', secret: 'o'.repeat(32) });
    token = await k.backstop.session.sign({ tag: 'operator', claims: { sub: 'ops-1' }, expiresIn: '5m' });
  });

  it('applies an update when the session verifies', async () => {
    const result = await k.update({ description: 'by ops' }, { session: { tag: 'operator', token } });
    expect(result.fallback.description).toBe('by ops');
  });

  it('rejects an update with an invalid token; nothing changes', async () => {
    const before = await k.backstop.fallback.fetch(TAG);
    const error = await rejection(
      k.update(
        { description: 'must not land', ...unhealthy(STRIPE) },
        { session: { tag: 'operator', token: `${token}x` } },
      ),
    );
    expect(error).toBeInstanceOf(SessionInvalidError);
    const after = await k.backstop.fallback.fetch(TAG);
    expect(after.version).toBe(before.version);
    expect(after.description).toBe(before.description);
    expect(statusOf(after, STRIPE)).not.toBe('unhealthy');
  });

  it('rejects a reset with an invalid token; the mark stays', async () => {
    await k.update(unhealthy(STRIPE));
    const error = await rejection(k.reset({ session: { tag: 'operator', token: 'not.a.jwt' } }));
    expect(error).toBeInstanceOf(SessionInvalidError);
    expect(statusOf(await k.backstop.fallback.fetch(TAG), STRIPE)).toBe('unhealthy');
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
  });
});
