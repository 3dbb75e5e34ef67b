import { beforeEach, describe, expect, it } from 'vitest';
import { type Backstop, UnsupportedError, ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import {
  issuePaths,
  PAYPAL,
  PRODUCT,
  providersOf,
  STRIPE,
  TAG,
  unhealthy,
  useProcessorKit,
  validationNaming,
} from '../helpers/processor-kit.js';

/** The processor API's update of a chain: its order, its providers' fields, its own fields, concurrently. */
describe('processor update of a stored chain', () => {
  const k = useProcessorKit();

  it('tries the providers in the new order, shows it in fetch and bumps the version', async () => {
    const before = await k.backstop.fallback.fetch(TAG);
    const result = await k.update({ order: [PAYPAL, STRIPE] });
    expect(result.changed).toEqual(['order']);
    expect(providersOf(result.fallback)).toEqual([PAYPAL, STRIPE]);
    const after = await k.backstop.fallback.fetch(TAG);
    expect(providersOf(after)).toEqual([PAYPAL, STRIPE]);
    expect(after.version).toBe(before.version + 1);
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(0);
  });

  it.each([
    ['a provider is missing', [PAYPAL]],
    ['a name is unknown', [PAYPAL, STRIPE, 'square-ish']],
    ['a name is repeated', [PAYPAL, PAYPAL, STRIPE]],
    ['a name replaces another', [PAYPAL, 'square-ish']],
  ])('rejects an order where %s, naming input.order; the definition is unchanged', async (_, order) => {
    const before = await k.backstop.fallback.fetch(TAG);
    await validationNaming(k.update({ order }), 'input.order');
    const after = await k.backstop.fallback.fetch(TAG);
    expect(providersOf(after)).toEqual([STRIPE, PAYPAL]);
    expect(after.version).toBe(before.version);
  });

  it('retries: 2 shows in fetch and a failing provider is then called 3 times', async () => {
    const result = await k.update({ providers: { [STRIPE]: { retries: 2 } } });
    expect(result.changed).toEqual([`providers.${STRIPE}.retries`]);
    expect((await k.backstop.fallback.fetch(TAG)).options[0]).toMatchObject({ provider: STRIPE, retries: 2 });
    k.stripe.down();
    expect(await k.trigger()).toMatchObject({ provider: PAYPAL });
    expect(k.stripe.calls).toHaveLength(3);
  });

  it('changed lists every definition field and provider state changed', async () => {
    const result = await k.update({
      description: 'one update, three changes',
      providers: { [STRIPE]: { retries: 1, provider_status: 'unhealthy' } },
    });
    expect([...result.changed].sort()).toEqual(
      ['description', `providers.${STRIPE}.provider_status`, `providers.${STRIPE}.retries`].sort(),
    );
    expect(result.fallback.description).toBe('one update, three changes');
    expect(result.fallback.options[0]).toMatchObject({ retries: 1, provider_status: 'unhealthy' });
  });

  it('rejects an unknown provider name, naming input.providers.<name>; nothing changes', async () => {
    const before = await k.backstop.fallback.fetch(TAG);
    await validationNaming(
      k.update({ providers: { 'square-ish': { retries: 2 } } }),
      'input.providers.square-ish',
    );
    expect((await k.backstop.fallback.fetch(TAG)).version).toBe(before.version);
  });

  it("rejects `for` without provider_status 'unhealthy'; nothing changes", async () => {
    for (const change of [{ for: 300 }, { provider_status: 'healthy', for: 300 }]) {
      await validationNaming(k.update({ providers: { [STRIPE]: change } }), `input.providers.${STRIPE}.for`);
    }
    expect(await k.trigger()).toMatchObject({ provider: STRIPE });
  });

  it('rejects an update with no change', async () => {
    const before = await k.backstop.fallback.fetch(TAG);
    const error = await rejection(k.update({}));
    expect(error).toBeInstanceOf(ValidationError);
    const missing = await rejection(
      k.backstop.processor.fallback.run({
        env: 'prd',
        product_tag: PRODUCT,
        fallback_tag: TAG,
        action: 'update',
      }),
    );
    expect(missing).toBeInstanceOf(ValidationError);
    expect((await k.backstop.fallback.fetch(TAG)).version).toBe(before.version);
  });

  it('changes name and description', async () => {
    const before = await k.backstop.fallback.fetch(TAG);
    const result = await k.update({ name: 'Payments v2', description: 'reworded' });
    expect([...result.changed].sort()).toEqual(['description', 'name']);
    const after = await k.backstop.fallback.fetch(TAG);
    expect(after).toMatchObject({
      name: 'Payments v2',
      description: 'reworded',
      version: before.version + 1,
    });
    expect(providersOf(after)).toEqual([STRIPE, PAYPAL]);
  });

  it.each([
    ['an empty list', []],
    ['an option of an unknown type', [{ type: 'bogus', event: 'call' }]],
    ['not a list', 'not-a-list'],
    ['a list holding null', [null]],
  ])(
    'rejects options that are %s with a ValidationError; the definition is unchanged',
    async (_, options) => {
      const before = await k.backstop.fallback.fetch(TAG);
      const error = await rejection(k.update({ options, description: 'must not land' }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(issuePaths(error).some((p) => p.includes('options'))).toBe(true);
      const after = await k.backstop.fallback.fetch(TAG);
      expect(after.version).toBe(before.version);
      expect(after.description).toBe(before.description);
      expect(providersOf(after)).toEqual([STRIPE, PAYPAL]);
    },
  );

  it('concurrent updates do not lose each other: a retries change and a description change both land', async () => {
    const before = await k.backstop.fallback.fetch(TAG);
    const other = k.sameInstallation();
    const run = (b: Backstop, input: Record<string, unknown>) =>
      b.processor.fallback.run({
        env: 'prd',
        product_tag: PRODUCT,
        fallback_tag: TAG,
        action: 'update',
        input,
      });
    for (let round = 1; round <= 3; round++) {
      await Promise.all([
        run(k.backstop, { providers: { [STRIPE]: { retries: round } } }),
        run(other, { description: `round ${round}` }),
      ]);
      const after = await k.backstop.fallback.fetch(TAG);
      expect(after.options[0]).toMatchObject({ provider: STRIPE, retries: round });
      expect(after.description).toBe(`round ${round}`);
      expect(after.version).toBe(before.version + 2 * round);
    }
  });
});

describe('processor update of a code-first chain', () => {
  const k = useProcessorKit({ chain: false });
  const calls = { a: 0, b: 0 };
  beforeEach(async () => {
    calls.a = 0;
    calls.b = 0;
    await k.backstop.fallback.define({
      tag: TAG,
      name: 'Code-first payments',
      handler: (ctx) => {
        ctx.primary('a').handler(async () => {
          calls.a++;
          return { by: 'a' };
        });
        ctx.fallback('b').handler(async () => {
          calls.b++;
          return { by: 'b' };
        });
      },
    });
  });

  it('rejects a reorder with UnsupportedError', async () => {
    const error = await rejection(k.update({ order: ['b', 'a'] }));
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error).toMatchObject({ code: 'BACKSTOP_UNSUPPORTED' });
    expect(await k.trigger({ input: {} })).toEqual({ provider: 'a', by: 'a' });
  });

  it('rejects definition fields and per-provider retries with UnsupportedError', async () => {
    for (const input of [{ description: 'x' }, { providers: { a: { retries: 2 } } }]) {
      expect(await rejection(k.update(input))).toMatchObject({ code: 'BACKSTOP_UNSUPPORTED' });
    }
  });

  it("accepts provider_status 'unhealthy': the next run skips that provider", async () => {
    const result = await k.update(unhealthy('a'));
    expect(result.fallback.source).toBe('code');
    expect(result.fallback.options[0]).toMatchObject({ provider: 'a', provider_status: 'unhealthy' });
    expect(await k.trigger({ input: {} })).toEqual({ provider: 'b', by: 'b' });
    expect(calls).toEqual({ a: 0, b: 1 });
  });
});
