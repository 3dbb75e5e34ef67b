import { describe, expect, it } from 'vitest';
import { compileCodeFirst } from '../../src/core/definition/code-first.js';
import { compileDeclarative, parseDeclarative } from '../../src/core/definition/declarative.js';
import { ValidationError } from '../../src/core/validation-error.js';

const option = { type: 'action', app: 'stripe', event: 'charge' } as const;
const compile = (definition: Record<string, unknown>) =>
  compileDeclarative(parseDeclarative({ name: 'x', tag: 'x', ...definition }), 'p', 1);

function issues(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('onAmbiguous, verify and $Run{} in definitions', () => {
  it('fills each provider in from the chain: its own first, then the chain, then verify when it has one', () => {
    const chain = compile({
      onAmbiguous: 'stop',
      options: [
        { ...option, provider: 'a' },
        { ...option, provider: 'b', onAmbiguous: 'failover' },
        { ...option, provider: 'c', verify: { event: 'find' }, onAmbiguous: 'verify' },
      ],
    });
    expect(chain.providers.map((p) => p.onAmbiguous)).toEqual(['stop', 'failover', 'verify']);
    expect(compile({ options: [{ ...option, verify: { event: 'find' } }] }).providers[0]?.onAmbiguous).toBe(
      'verify',
    );
    expect(compile({ options: [option] }).providers[0]?.onAmbiguous).toBe('failover');
  });

  it("refuses 'verify' without a verify, verify on an option that is not an app action, and unknown policies", () => {
    expect(issues(() => compile({ onAmbiguous: 'verify', options: [option] }))).toContain(
      'options[0].verify',
    );
    expect(
      issues(() => compile({ options: [{ type: 'fallback', event: 'other', verify: { event: 'find' } }] })),
    ).toContain('options[0].verify');
    expect(issues(() => compile({ onAmbiguous: 'maybe', options: [option] }))).toContain('onAmbiguous');
  });

  it('$Run{} reads idempotencyKey, runId or provider, and nothing else', () => {
    expect(() => compile({ options: [{ ...option, input: { key: '$Run{idempotencyKey}' } }] })).not.toThrow();
    expect(issues(() => compile({ options: [{ ...option, input: { key: '$Run{secret}' } }] }))).toContain(
      'options[0].input.key',
    );
    // Outputs map what came back: the key is not theirs to read.
    expect(
      issues(() => compile({ options: [{ ...option, output: { key: '$Run{idempotencyKey}' } }] })),
    ).toContain('options[0].output.key');
  });

  it('code-first: .verify() makes verify the default, and a chain-wide verify needs one everywhere', async () => {
    const define = (onAmbiguous: 'verify' | undefined, withVerify: boolean) =>
      compileCodeFirst(
        {
          tag: 't',
          name: 't',
          ...(onAmbiguous ? { onAmbiguous } : {}),
          handler: (ctx) => {
            const p = ctx.primary('stripe').handler(async () => ({}));
            if (withVerify) p.verify(async () => ({ status: 'not-found' }));
            ctx
              .fallback('paypal')
              .handler(async () => ({}))
              .onAmbiguous('stop');
          },
        },
        'p',
        1,
      );
    expect((await define(undefined, true)).providers.map((p) => p.onAmbiguous)).toEqual(['verify', 'stop']);
    await expect(define('verify', false)).rejects.toThrow(/handler\.primary\.verify/);
  });
});
