import { describe, expect, it } from 'vitest';
import { type OperatorInput, SessionInvalidError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import {
  option,
  PAYPAL,
  PRODUCT,
  STRIPE,
  TAG,
  useProcessorKit,
  validationNaming,
} from '../helpers/processor-kit.js';

/** The processor API's trigger: a run by `{ env, product_tag, fallback_tag, action: 'trigger', input }`. */
describe('processor trigger', () => {
  const k = useProcessorKit();

  it('returns { provider, ...output } as fallback.run does', async () => {
    const result = await k.trigger();
    expect(result).toEqual({ provider: STRIPE, id: `${STRIPE}_1`, status: 'succeeded' });
    expect(k.stripe.calls.map((c) => c.body)).toEqual([{ amount: 5 }]);
    expect(await k.backstop.fallback.run({ tag: TAG, input: { amount: 5 } })).toEqual(result);
  });

  it('treats session {} and cache "" as none', async () => {
    expect(await k.trigger({ session: {}, cache: '' })).toMatchObject({ provider: STRIPE });
    expect(await k.trigger({ session: {}, cache: '' })).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls).toHaveLength(2);
  });

  it('fails over to the secondary when the primary is down', async () => {
    k.stripe.down();
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(1);
    expect(k.paypal.calls).toHaveLength(1);
  });

  it('passes a verified session to the mapping as $Session{}', async () => {
    await k.backstop.session.define({
      tag: 'user',
      secret: 's'.repeat(32),
      schema: { sub: { type: 'string' } },
    });
    await k.backstop.fallback.update(TAG, {
      options: [
        option(STRIPE, { input: { amount: '$Input{amount}', user: '$Session{sub}' } }),
        option(PAYPAL),
      ],
    });
    const token = await k.backstop.session.sign({ tag: 'user', claims: { sub: 'u-42' }, expiresIn: '5m' });
    expect(await k.trigger({ session: { tag: 'user', token } })).toMatchObject({ provider: STRIPE });
    expect(k.stripe.calls.map((c) => c.body)).toEqual([{ amount: 5, user: 'u-42' }]);
  });

  it('rejects an invalid session token without calling a provider', async () => {
    await k.backstop.session.define({ tag: 'user', secret: 's'.repeat(32) });
    const token = await k.backstop.session.sign({ tag: 'user', claims: { sub: 'u-42' } });
    const error = await rejection(k.trigger({ session: { tag: 'user', token: `${token}x` } }));
    expect(error).toBeInstanceOf(SessionInvalidError);
    expect(k.stripe.calls.length + k.paypal.calls.length).toBe(0);
  });

  it('serves the second identical trigger from the cache without calling a provider', async () => {
    await k.backstop.cache.define({ tag: 'payments', ttl: '1m' });
    const first = await k.trigger({ cache: 'payments' });
    const second = await k.trigger({ cache: 'payments' });
    expect(second).toEqual(first);
    expect(k.stripe.calls).toHaveLength(1);
    expect(k.paypal.calls).toHaveLength(0);
  });

  const VALID = {
    env: 'prd',
    product_tag: PRODUCT,
    fallback_tag: TAG,
    action: 'trigger',
    input: { amount: 5 },
  };
  const { product_tag: _omitted, ...WITHOUT_PRODUCT } = VALID;
  it.each([
    { what: 'without product_tag', input: WITHOUT_PRODUCT, path: 'product_tag' },
    { what: 'with an unknown action', input: { ...VALID, action: 'explode' }, path: 'action' },
    { what: 'with an unknown field', input: { ...VALID, tga: 'x' }, path: 'tga' },
  ])('rejects processor input $what, naming $path; nothing is called', async ({ input, path }) => {
    await validationNaming(k.backstop.processor.fallback.run(input as unknown as OperatorInput), path);
    expect(k.stripe.calls).toHaveLength(0);
  });
});
