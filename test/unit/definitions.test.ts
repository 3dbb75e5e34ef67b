import { describe, expect, it } from 'vitest';
import { DataTypes, FeatureEventTypes } from '../../src/core/data-types.js';
import { compileCodeFirst } from '../../src/core/definition/code-first.js';
import { compileDeclarative, parseDeclarative } from '../../src/core/definition/declarative.js';
import { compileInputSchema } from '../../src/core/input-schema.js';
import { ValidationError } from '../../src/core/validation-error.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

async function asyncIssues(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const option = { type: FeatureEventTypes.ACTION, event: 'charge', app: 'stripe', retries: 1 };

describe('declarative definitions', () => {
  it('names the offending field path', () => {
    expect(
      issuesOf(() => parseDeclarative({ name: 'x', tag: 'x', options: [{ ...option, retries: -1 }] })),
    ).toEqual([{ path: 'options[0].retries', message: expect.stringContaining('>=0') }]);
    expect(
      issuesOf(() => parseDeclarative({ name: 'x', tag: 'x', options: [{ ...option, retry: 2 }] }))[0],
    ).toMatchObject({
      path: 'options[0].retry',
      message: 'unknown field',
    });
    expect(
      issuesOf(() => parseDeclarative({ name: 'x', tag: 'has space', options: [option] }))[0]?.path,
    ).toBe('tag');
    expect(issuesOf(() => parseDeclarative({ name: 'x', tag: 'x', options: [] }))[0]?.path).toBe('options');
    expect(
      issuesOf(() => parseDeclarative({ name: 'x', tag: 'x', options: [{ ...option, type: 'ACTION' }] }))[0],
    ).toMatchObject({
      path: 'options[0].type',
      message: expect.stringContaining('"action"'),
    });
  });

  it('requires app for action options and unique provider names', () => {
    const parsed = parseDeclarative({ name: 'x', tag: 'x', options: [{ type: 'action', event: 'charge' }] });
    expect(issuesOf(() => compileDeclarative(parsed, 'p', 1))[0]?.path).toBe('options[0].app');
    const twice = parseDeclarative({ name: 'x', tag: 'x', options: [option, { ...option, event: 'other' }] });
    expect(issuesOf(() => compileDeclarative(twice, 'p', 1))[0]).toMatchObject({
      path: 'options[1].provider',
      message: expect.stringContaining('already used by options[0]'),
    });
  });

  it('refuses a timeout or deadline a Node timer cannot hold (it would fire after 1 ms)', () => {
    expect(
      issuesOf(() => parseDeclarative({ name: 'x', tag: 'x', deadline: 2 ** 31, options: [option] })),
    ).toEqual([{ path: 'deadline', message: expect.stringContaining('at most 2147483647 ms') }]);
    expect(
      issuesOf(() => parseDeclarative({ name: 'x', tag: 'x', options: [{ ...option, timeout: 1e12 }] }))[0]
        ?.path,
    ).toBe('options[0].timeout');
  });

  it('lets $Input{} read any field when the definition declares no input', () => {
    const parsed = parseDeclarative({
      name: 'x',
      tag: 'x',
      options: [{ ...option, input: { to: '$Input{phone}' } }],
    });
    expect(compileDeclarative(parsed, 'p', 1).providers[0]?.mapInput?.({ phone: '+1' }, {})).toEqual({
      to: '+1',
    });
  });

  it('drops tracked fields so a fetched definition can be sent back', () => {
    const parsed = parseDeclarative({
      name: 'x',
      tag: 'x',
      options: [
        { ...option, provider_status: 'healthy', last_available: true, last_checked: '2026-01-01T00:00:00Z' },
      ],
    });
    expect(parsed.options[0]).not.toHaveProperty('provider_status');
  });

  it('names providers by app, or by an explicit provider name', () => {
    const parsed = parseDeclarative({
      name: 'x',
      tag: 'x',
      options: [option, { ...option, provider: 'stripe-eu' }],
    });
    expect(compileDeclarative(parsed, 'p', 1).providers.map((p) => p.name)).toEqual(['stripe', 'stripe-eu']);
  });
});

describe('code-first definitions', () => {
  const base = { product: 'p', tag: 'payment-fallback', name: 'Payment' };

  it('builds providers in order: primary first, then fallbacks', async () => {
    const chain = await compileCodeFirst(
      {
        ...base,
        handler: (ctx) => {
          ctx.fallback('paypal').app('paypal-app').action('payment');
          ctx
            .primary('stripe')
            .healthcheck('stripe-health')
            .app('stripe-app')
            .action('charge')
            .retries(2)
            .checkInterval(10_000);
          ctx.fallback('square').workflow('order-processing').input({ priority: 'high' });
        },
      },
      undefined,
      1,
    );
    expect(chain.providers.map((p) => [p.name, p.target.kind, p.retries])).toEqual([
      ['stripe', 'app', 2],
      ['paypal', 'app', 0],
      ['square', 'workflow', 0],
    ]);
    expect(chain.providers[0]).toMatchObject({ healthcheck: 'stripe-health', checkInterval: 10_000 });
    expect(chain.providers[2]?.mapInput?.({ a: 1 }, {})).toEqual({ a: 1, priority: 'high' });
  });

  it('rejects bad builder calls with the provider path', async () => {
    expect(
      await asyncIssues(() =>
        compileCodeFirst(
          { ...base, handler: (ctx) => void ctx.primary('a').app('x').retries(-1) },
          undefined,
          1,
        ),
      ),
    ).toEqual([{ path: 'handler.primary.retries', message: expect.stringContaining('>=0') }]);
    expect(
      await asyncIssues(() =>
        compileCodeFirst(
          { ...base, handler: (ctx) => void ctx.fallback('a').app('x').action('y') },
          undefined,
          1,
        ),
      ),
    ).toEqual([{ path: 'handler', message: expect.stringContaining('ctx.primary') }]);
    expect(
      await asyncIssues(() =>
        compileCodeFirst({ ...base, handler: (ctx) => void ctx.primary('a').app('x') }, undefined, 1),
      ),
    ).toEqual([{ path: 'handler.primary.action', message: expect.stringContaining('.action(tag)') }]);
    expect(
      await asyncIssues(() =>
        compileCodeFirst(
          { ...base, handler: (ctx) => void ctx.primary('a').notification('n').action('x') },
          undefined,
          1,
        ),
      ),
    ).toEqual([
      { path: 'handler.primary.action', message: expect.stringContaining('.app(tag) or .database(tag)') },
    ]);
    expect(
      await asyncIssues(() =>
        compileCodeFirst(
          {
            ...base,
            handler: (ctx) => {
              ctx.primary('a').handler(async () => ({}));
              ctx.fallback('a').handler(async () => ({}));
            },
          },
          undefined,
          1,
        ),
      ),
    ).toEqual([{ path: 'handler.fallback[0]', message: expect.stringContaining("'a' is used twice") }]);
    expect(
      await asyncIssues(() => compileCodeFirst({ ...base, handler: undefined as never }, undefined, 1)),
    ).toEqual([{ path: 'handler', message: expect.stringContaining('function') }]);
  });
});

describe('input schemas', () => {
  const validate = compileInputSchema({
    amount: { type: DataTypes.NUMBER },
    currency: { type: DataTypes.STRING },
    note: { type: DataTypes.STRING, required: false },
  });

  it('accepts valid input and passes undeclared fields through', () => {
    expect(validate({ amount: 1, currency: 'USD', extra: true })).toEqual({
      amount: 1,
      currency: 'USD',
      extra: true,
    });
  });

  it('names each bad field with what was expected', () => {
    expect(issuesOf(() => validate({ amount: '25', note: 3 }))).toEqual([
      { path: 'input.amount', message: 'expected number, received string' },
      { path: 'input.currency', message: 'required, expected string' },
      { path: 'input.note', message: 'expected string, received number' },
    ]);
  });
});
