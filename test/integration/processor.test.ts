import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backstop,
  type BackstopOptions,
  DataTypes,
  type FallbackDescription,
  type FallbackOption,
  FeatureEventTypes,
  type OperatorInput,
  type ResetResult,
  SessionInvalidError,
  UnsupportedError,
  type UpdateResult,
  ValidationError,
} from '../../src/index.js';
import { NO_BACKOFF, rejection } from '../helpers/http-chains.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

const PRODUCT = 'my-product';
const TAG = 'payment-fallback';
const STRIPE = 'stripe-ish';
const PAYPAL = 'paypal-ish';

let prefix: string;
let backstop: Backstop;
let stripe: ProviderSimulator;
let paypal: ProviderSimulator;
const sims: ProviderSimulator[] = [];
const extraBackstops: Backstop[] = [];

/** A Backstop on this test's prefix: another "process" of the same installation. */
function sameInstallation(options: BackstopOptions = {}): Backstop {
  const other = testBackstop({ prefix, ...options });
  extraBackstops.push(other);
  return other;
}

/** A simulator behind an app of the same name, defined in two envs (`prd` and `stg`). */
async function provider(name: string): Promise<ProviderSimulator> {
  const sim = await ProviderSimulator.start(name);
  sims.push(sim);
  const env = { baseUrl: sim.url };
  await backstop.app.define({
    tag: name,
    envs: { prd: env, stg: env },
    actions: { call: { method: 'POST', path: '/call' } },
  });
  return sim;
}

function option(name: string, extra: Partial<FallbackOption> = {}): FallbackOption {
  return {
    type: FeatureEventTypes.ACTION,
    event: 'call',
    app: name,
    retries: 0,
    backoff: NO_BACKOFF,
    input: { amount: '$Input{amount}' },
    ...extra,
  };
}

/** `payment-fallback`: stripe-ish first, then paypal-ish. */
async function paymentChain(stripeExtra: Partial<FallbackOption> = {}): Promise<void> {
  await backstop.fallback.create({
    name: 'Payment Provider Fallback',
    tag: TAG,
    description: 'stripe-ish to paypal-ish',
    input: { amount: { type: DataTypes.NUMBER } },
    options: [option(STRIPE, stripeExtra), option(PAYPAL)],
  });
}

type ProcessorExtra = Partial<Omit<OperatorInput, 'action'>>;

function trigger(extra: ProcessorExtra = {}): Promise<unknown> {
  return backstop.processor.fallback.run({
    env: 'prd',
    product_tag: PRODUCT,
    fallback_tag: TAG,
    action: 'trigger',
    input: { amount: 5 },
    ...extra,
  });
}

async function update(input: Record<string, unknown>, extra: ProcessorExtra = {}): Promise<UpdateResult> {
  return (await backstop.processor.fallback.run({
    env: 'prd',
    product_tag: PRODUCT,
    fallback_tag: TAG,
    action: 'update',
    input,
    ...extra,
  })) as UpdateResult;
}

async function reset(extra: ProcessorExtra = {}): Promise<ResetResult> {
  return (await backstop.processor.fallback.run({
    env: 'prd',
    product_tag: PRODUCT,
    fallback_tag: TAG,
    action: 'reset',
    ...extra,
  })) as ResetResult;
}

function unhealthy(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { providers: { [name]: { provider_status: 'unhealthy', ...extra } } };
}

const providersOf = (d: FallbackDescription) => d.options.map((o) => o.provider);
const statusOf = (d: FallbackDescription, name: string) =>
  d.options.find((o) => o.provider === name)?.provider_status;
const issuePaths = (error: unknown) => (error as ValidationError).issues.map((i) => i.path);

/** The ValidationError a call rejects with, checked to name `path`. */
async function validationNaming(promise: Promise<unknown>, path: string): Promise<ValidationError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ValidationError);
  expect(issuePaths(error)).toContain(path);
  return error as ValidationError;
}

async function setUp(options: BackstopOptions = {}): Promise<void> {
  prefix = uniquePrefix();
  backstop = testBackstop({ prefix, ...options });
  stripe = await provider(STRIPE);
  paypal = await provider(PAYPAL);
}

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await Promise.all(extraBackstops.splice(0).map((b) => b.close()));
  await backstop.close();
});

describe('processor trigger', () => {
  beforeEach(async () => {
    await setUp();
    await paymentChain();
  });

  it('returns { provider, ...output } as fallback.run does', async () => {
    const result = await trigger();
    expect(result).toEqual({ provider: STRIPE, id: `${STRIPE}_1`, status: 'succeeded' });
    expect(stripe.calls.map((c) => c.body)).toEqual([{ amount: 5 }]);
    expect(await backstop.fallback.run({ tag: TAG, input: { amount: 5 } })).toEqual(result);
  });

  it('treats session {} and cache "" as none', async () => {
    expect(await trigger({ session: {}, cache: '' })).toMatchObject({ provider: STRIPE });
    expect(await trigger({ session: {}, cache: '' })).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(2);
  });

  it('fails over to the secondary when the primary is down', async () => {
    stripe.down();
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(1);
    expect(paypal.calls).toHaveLength(1);
  });

  it('passes a verified session to the mapping as $Session{}', async () => {
    await backstop.session.define({
      tag: 'user',
      secret: 's'.repeat(32),
      schema: { sub: { type: 'string' } },
    });
    await backstop.fallback.update(TAG, {
      options: [
        option(STRIPE, { input: { amount: '$Input{amount}', user: '$Session{sub}' } }),
        option(PAYPAL),
      ],
    });
    const token = await backstop.session.sign({ tag: 'user', claims: { sub: 'u-42' }, expiresIn: '5m' });
    expect(await trigger({ session: { tag: 'user', token } })).toMatchObject({ provider: STRIPE });
    expect(stripe.calls.map((c) => c.body)).toEqual([{ amount: 5, user: 'u-42' }]);
  });

  it('rejects an invalid session token without calling a provider', async () => {
    await backstop.session.define({ tag: 'user', secret: 's'.repeat(32) });
    const token = await backstop.session.sign({ tag: 'user', claims: { sub: 'u-42' } });
    const error = await rejection(trigger({ session: { tag: 'user', token: `${token}x` } }));
    expect(error).toBeInstanceOf(SessionInvalidError);
    expect(stripe.calls.length + paypal.calls.length).toBe(0);
  });

  it('serves the second identical trigger from the cache without calling a provider', async () => {
    await backstop.cache.define({ tag: 'payments', ttl: '1m' });
    const first = await trigger({ cache: 'payments' });
    const second = await trigger({ cache: 'payments' });
    expect(second).toEqual(first);
    expect(stripe.calls).toHaveLength(1);
    expect(paypal.calls).toHaveLength(0);
  });

  it('rejects processor input without product_tag, naming it; nothing is called', async () => {
    const { product_tag: _omitted, ...rest } = {
      env: 'prd',
      product_tag: PRODUCT,
      fallback_tag: TAG,
      action: 'trigger' as const,
      input: { amount: 5 },
    };
    await validationNaming(backstop.processor.fallback.run(rest as unknown as OperatorInput), 'product_tag');
    expect(stripe.calls).toHaveLength(0);
  });

  it('rejects an unknown action, naming action; nothing is called', async () => {
    await validationNaming(
      backstop.processor.fallback.run({
        env: 'prd',
        product_tag: PRODUCT,
        fallback_tag: TAG,
        action: 'explode',
        input: { amount: 5 },
      } as unknown as OperatorInput),
      'action',
    );
    expect(stripe.calls).toHaveLength(0);
  });

  it('rejects an unknown field of the processor input, naming it; nothing is called', async () => {
    await validationNaming(
      backstop.processor.fallback.run({
        env: 'prd',
        product_tag: PRODUCT,
        fallback_tag: TAG,
        action: 'trigger',
        input: { amount: 5 },
        tga: 'x',
      } as unknown as OperatorInput),
      'tga',
    );
    expect(stripe.calls).toHaveLength(0);
  });
});

describe('processor update: provider_status', () => {
  beforeEach(async () => {
    await setUp();
    await paymentChain();
  });

  it("'unhealthy' shows in the returned fallback for that provider", async () => {
    const result = await update(unhealthy(STRIPE));
    expect(result.action).toBe('update');
    expect(result.changed).toEqual([`providers.${STRIPE}.provider_status`]);
    expect(result.fallback.options[0]).toMatchObject({ provider: STRIPE, provider_status: 'unhealthy' });
    expect(statusOf(result.fallback, PAYPAL)).not.toBe('unhealthy');
  });

  it("'unhealthy' makes the next trigger skip the provider and the secondary serve", async () => {
    await update(unhealthy(STRIPE));
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(0);
    const report = await backstop.fallback.runDetailed({ tag: TAG, input: { amount: 5 } });
    expect(report.provider).toBe(PAYPAL);
    expect(report.attempts[0]).toMatchObject({ provider: STRIPE, outcome: 'skipped', skipped: 'unhealthy' });
    expect(stripe.calls).toHaveLength(0);
  });

  it("'unhealthy' for 300 ms lets a trial call through once the time is up", async () => {
    await update(unhealthy(STRIPE, { for: 300 }));
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(0);
    let served: unknown;
    await until(
      async () => {
        served = await trigger();
        return stripe.calls.length > 0;
      },
      5_000,
      'the primary to be tried again',
    );
    expect(served).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(1);
  });

  it("'unhealthy' takes `for` as a duration string and rejects a `for` of 0", async () => {
    const result = await update(unhealthy(STRIPE, { for: '10m' }));
    expect(statusOf(result.fallback, STRIPE)).toBe('unhealthy');
    await validationNaming(update(unhealthy(PAYPAL, { for: 0 })), `input.providers.${PAYPAL}.for`);
    expect(statusOf(await backstop.fallback.fetch(TAG), PAYPAL)).not.toBe('unhealthy');
  });

  it("'healthy' clears an 'unhealthy' mark at once", async () => {
    await update(unhealthy(STRIPE));
    const result = await update({ providers: { [STRIPE]: { provider_status: 'healthy' } } });
    expect(result.changed).toEqual([`providers.${STRIPE}.provider_status`]);
    expect(statusOf(result.fallback, STRIPE)).not.toBe('unhealthy');
    expect(await trigger()).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(1);
  });

  it('marks the provider in the given env only: a run in another env still calls it', async () => {
    await update(unhealthy(STRIPE));
    expect(await trigger({ env: 'stg' })).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(1);
    expect(await trigger({ env: 'prd' })).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(1);
  });

  it('reports provider_status in the env it was asked for', async () => {
    await update(unhealthy(STRIPE));
    const inStg = await update({ description: 'checked in stg' }, { env: 'stg' });
    expect(statusOf(inStg.fallback, STRIPE)).not.toBe('unhealthy');
  });

  it('another process on the same prefix sees the mark and skips the provider', async () => {
    const other = sameInstallation();
    // The other process is connected and following health events before the mark is set.
    expect(await other.fallback.run({ tag: TAG, input: { amount: 5 } })).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(1);
    await update(unhealthy(STRIPE));
    await until(
      async () => statusOf(await other.fallback.fetch(TAG), STRIPE) === 'unhealthy',
      5_000,
      'the other process to see the mark',
    );
    const report = await other.fallback.runDetailed({ tag: TAG, input: { amount: 5 } });
    expect(report.provider).toBe(PAYPAL);
    expect(report.attempts[0]).toMatchObject({ provider: STRIPE, outcome: 'skipped', skipped: 'unhealthy' });
    expect(stripe.calls).toHaveLength(1);
  });

  it('a process that starts after the mark was set skips the provider too', async () => {
    await update(unhealthy(STRIPE));
    const other = sameInstallation();
    expect(await other.fallback.run({ tag: TAG, input: { amount: 5 } })).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(0);
  });
});

describe('processor update: order', () => {
  beforeEach(async () => {
    await setUp();
    await paymentChain();
  });

  it('tries the providers in the new order, shows it in fetch and bumps the version', async () => {
    const before = await backstop.fallback.fetch(TAG);
    const result = await update({ order: [PAYPAL, STRIPE] });
    expect(result.changed).toEqual(['order']);
    expect(providersOf(result.fallback)).toEqual([PAYPAL, STRIPE]);
    const after = await backstop.fallback.fetch(TAG);
    expect(providersOf(after)).toEqual([PAYPAL, STRIPE]);
    expect(after.version).toBe(before.version + 1);
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(0);
  });

  it.each([
    ['a provider is missing', [PAYPAL]],
    ['a name is unknown', [PAYPAL, STRIPE, 'square-ish']],
    ['a name is repeated', [PAYPAL, PAYPAL, STRIPE]],
    ['a name replaces another', [PAYPAL, 'square-ish']],
  ])('rejects an order where %s, naming input.order; the definition is unchanged', async (_, order) => {
    const before = await backstop.fallback.fetch(TAG);
    await validationNaming(update({ order }), 'input.order');
    const after = await backstop.fallback.fetch(TAG);
    expect(providersOf(after)).toEqual([STRIPE, PAYPAL]);
    expect(after.version).toBe(before.version);
  });
});

describe('processor update: per-provider fields', () => {
  beforeEach(async () => {
    await setUp();
    await paymentChain();
  });

  it('retries: 2 shows in fetch and a failing provider is then called 3 times', async () => {
    const result = await update({ providers: { [STRIPE]: { retries: 2 } } });
    expect(result.changed).toEqual([`providers.${STRIPE}.retries`]);
    expect((await backstop.fallback.fetch(TAG)).options[0]).toMatchObject({ provider: STRIPE, retries: 2 });
    stripe.down();
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(3);
  });

  it('changed lists every definition field and provider state changed', async () => {
    const result = await update({
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
    const before = await backstop.fallback.fetch(TAG);
    await validationNaming(
      update({ providers: { 'square-ish': { retries: 2 } } }),
      'input.providers.square-ish',
    );
    expect((await backstop.fallback.fetch(TAG)).version).toBe(before.version);
  });

  it("rejects `for` without provider_status 'unhealthy'; nothing changes", async () => {
    for (const change of [{ for: 300 }, { provider_status: 'healthy', for: 300 }]) {
      await validationNaming(update({ providers: { [STRIPE]: change } }), `input.providers.${STRIPE}.for`);
    }
    expect(await trigger()).toMatchObject({ provider: STRIPE });
  });

  it('rejects an update with no change', async () => {
    const before = await backstop.fallback.fetch(TAG);
    const error = await rejection(update({}));
    expect(error).toBeInstanceOf(ValidationError);
    const missing = await rejection(
      backstop.processor.fallback.run({
        env: 'prd',
        product_tag: PRODUCT,
        fallback_tag: TAG,
        action: 'update',
      }),
    );
    expect(missing).toBeInstanceOf(ValidationError);
    expect((await backstop.fallback.fetch(TAG)).version).toBe(before.version);
  });
});

describe('processor update: definition fields', () => {
  beforeEach(async () => {
    await setUp();
    await paymentChain();
  });

  it('changes name and description', async () => {
    const before = await backstop.fallback.fetch(TAG);
    const result = await update({ name: 'Payments v2', description: 'reworded' });
    expect([...result.changed].sort()).toEqual(['description', 'name']);
    const after = await backstop.fallback.fetch(TAG);
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
      const before = await backstop.fallback.fetch(TAG);
      const error = await rejection(update({ options, description: 'must not land' }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(issuePaths(error).some((p) => p.includes('options'))).toBe(true);
      const after = await backstop.fallback.fetch(TAG);
      expect(after.version).toBe(before.version);
      expect(after.description).toBe(before.description);
      expect(providersOf(after)).toEqual([STRIPE, PAYPAL]);
    },
  );
});

describe('processor update: code-first chains', () => {
  const calls = { a: 0, b: 0 };
  beforeEach(async () => {
    await setUp();
    calls.a = 0;
    calls.b = 0;
    await backstop.fallback.define({
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
    const error = await rejection(update({ order: ['b', 'a'] }));
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error).toMatchObject({ code: 'BACKSTOP_UNSUPPORTED' });
    expect(await trigger({ input: {} })).toEqual({ provider: 'a', by: 'a' });
  });

  it('rejects definition fields and per-provider retries with UnsupportedError', async () => {
    for (const input of [{ description: 'x' }, { providers: { a: { retries: 2 } } }]) {
      expect(await rejection(update(input))).toMatchObject({ code: 'BACKSTOP_UNSUPPORTED' });
    }
  });

  it("accepts provider_status 'unhealthy': the next run skips that provider", async () => {
    const result = await update(unhealthy('a'));
    expect(result.fallback.source).toBe('code');
    expect(result.fallback.options[0]).toMatchObject({ provider: 'a', provider_status: 'unhealthy' });
    expect(await trigger({ input: {} })).toEqual({ provider: 'b', by: 'b' });
    expect(calls).toEqual({ a: 0, b: 1 });
  });
});

describe('processor reset', () => {
  beforeEach(async () => {
    await setUp({ circuit: { threshold: 1, cooldownMs: 60_000 } });
    await paymentChain();
  });

  it('closes a circuit a failure opened: the next run calls the primary again', async () => {
    stripe.next({ kind: 'fail', status: 503 });
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    await until(
      async () => statusOf(await backstop.fallback.fetch(TAG), STRIPE) === 'unhealthy',
      5_000,
      'the circuit to open',
    );
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(1);

    const result = await reset();
    expect(result).toEqual({ action: 'reset', env: 'prd', providers: [STRIPE, PAYPAL], cacheEntries: 0 });
    expect(await trigger()).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(2);
  });

  it("clears a manual 'unhealthy' mark", async () => {
    await update(unhealthy(STRIPE));
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
    await reset();
    expect(statusOf(await backstop.fallback.fetch(TAG), STRIPE)).not.toBe('unhealthy');
    expect(await trigger()).toMatchObject({ provider: STRIPE });
    expect(stripe.calls).toHaveLength(1);
  });

  it('deletes the cached results: cacheEntries counts them and the next cached run calls the provider', async () => {
    await backstop.cache.define({ tag: 'payments', ttl: '10m' });
    await trigger({ cache: 'payments', input: { amount: 5 } });
    await trigger({ cache: 'payments', input: { amount: 6 } });
    await trigger({ cache: 'payments', input: { amount: 5 } });
    expect(stripe.calls).toHaveLength(2);

    const result = await reset();
    expect(result.cacheEntries).toBe(2);
    await trigger({ cache: 'payments', input: { amount: 5 } });
    expect(stripe.calls).toHaveLength(3);
  });

  it('keeps the cached results of other envs', async () => {
    await backstop.cache.define({ tag: 'payments', ttl: '10m' });
    await trigger({ cache: 'payments', env: 'stg' });
    expect((await reset({ env: 'prd' })).cacheEntries).toBe(0);
    await trigger({ cache: 'payments', env: 'stg' });
    expect(stripe.calls).toHaveLength(1);
  });

  it('leaves other envs alone', async () => {
    await update(unhealthy(STRIPE), { env: 'stg' });
    const result = await reset({ env: 'prd' });
    expect(result.env).toBe('prd');
    expect(await trigger({ env: 'stg' })).toMatchObject({ provider: PAYPAL });
    expect(stripe.calls).toHaveLength(0);
  });
});

describe('processor update and reset with a session', () => {
  let token: string;
  beforeEach(async () => {
    await setUp();
    await paymentChain();
    await backstop.session.define({ tag: 'operator', secret: 'o'.repeat(32) });
    token = await backstop.session.sign({ tag: 'operator', claims: { sub: 'ops-1' }, expiresIn: '5m' });
  });

  it('applies an update when the session verifies', async () => {
    const result = await update({ description: 'by ops' }, { session: { tag: 'operator', token } });
    expect(result.fallback.description).toBe('by ops');
  });

  it('rejects an update with an invalid token; nothing changes', async () => {
    const before = await backstop.fallback.fetch(TAG);
    const error = await rejection(
      update(
        { description: 'must not land', ...unhealthy(STRIPE) },
        { session: { tag: 'operator', token: `${token}x` } },
      ),
    );
    expect(error).toBeInstanceOf(SessionInvalidError);
    const after = await backstop.fallback.fetch(TAG);
    expect(after.version).toBe(before.version);
    expect(after.description).toBe(before.description);
    expect(statusOf(after, STRIPE)).not.toBe('unhealthy');
  });

  it('rejects a reset with an invalid token; the mark stays', async () => {
    await update(unhealthy(STRIPE));
    const error = await rejection(reset({ session: { tag: 'operator', token: 'not.a.jwt' } }));
    expect(error).toBeInstanceOf(SessionInvalidError);
    expect(statusOf(await backstop.fallback.fetch(TAG), STRIPE)).toBe('unhealthy');
    expect(await trigger()).toMatchObject({ provider: PAYPAL });
  });
});

describe('concurrent updates', () => {
  beforeEach(async () => {
    await setUp();
    await paymentChain();
  });

  it('do not lose each other: a retries change and a description change both land', async () => {
    const before = await backstop.fallback.fetch(TAG);
    const other = sameInstallation();
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
        run(backstop, { providers: { [STRIPE]: { retries: round } } }),
        run(other, { description: `round ${round}` }),
      ]);
      const after = await backstop.fallback.fetch(TAG);
      expect(after.options[0]).toMatchObject({ provider: STRIPE, retries: round });
      expect(after.description).toBe(`round ${round}`);
      expect(after.version).toBe(before.version + 2 * round);
    }
  });
});
