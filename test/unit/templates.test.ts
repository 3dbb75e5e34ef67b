import { describe, expect, it } from 'vitest';
import { parsePath, readPath } from '../../src/core/path.js';
import { compileTemplate } from '../../src/core/template/compile.js';
import type { SecretSource } from '../../src/core/template/secret-source.js';
import { ValidationError } from '../../src/core/validation-error.js';

/** The operator declared STRIPE_KEY (with a value) and UNSET_KEY (set only where workers run). */
const secrets: SecretSource = {
  declared: (name) => name === 'STRIPE_KEY' || name === 'UNSET_KEY',
  resolve: (name) => (name === 'STRIPE_KEY' ? 'sk_test' : undefined),
};

describe('templates', () => {
  const scope = {
    input: { amount: 2500, customer: { id: 'cus_1' }, items: [{ sku: 'a' }, { sku: 'b' }] },
    response: { id: 'ch_1', data: [{ status: 'ok' }] },
    fallback: { error: 'HTTP 503: down', provider: 'stripe', code: 'BACKSTOP_PROVIDER_HTTP', status: 503 },
  };

  it('keeps the type of a whole-string reference and interpolates mixed strings', () => {
    expect(compileTemplate('$Input{amount}', 'x')(scope)).toBe(2500);
    expect(compileTemplate('Order of $Input{amount} for $Input{customer.id}', 'x')(scope)).toBe(
      'Order of 2500 for cus_1',
    );
  });

  it('reads dot paths and array indexes in nested objects and arrays', () => {
    const t = compileTemplate(
      {
        amount_money: { amount: '$Input{amount}', first: '$Input{items[1].sku}' },
        list: ['$Response{data[0].status}', 3],
      },
      'x',
    );
    expect(t(scope)).toEqual({ amount_money: { amount: 2500, first: 'b' }, list: ['ok', 3] });
  });

  it('passes literals through untouched, and returns the same object when nothing is templated', () => {
    const literal = { intent: 'CAPTURE', n: 1, flag: true, nothing: null };
    expect(compileTemplate(literal, 'x')(scope)).toBe(literal);
  });

  it('resolves declared $Secret names at evaluation time and $Fallback from the previous failure', () => {
    expect(compileTemplate('Bearer $Secret{STRIPE_KEY}', 'x', { secrets })(scope)).toBe('Bearer sk_test');
    expect(compileTemplate({ note: '$Fallback{error}', from: '$Fallback{provider}' }, 'x')(scope)).toEqual({
      note: 'HTTP 503: down',
      from: 'stripe',
    });
    expect(() => compileTemplate('$Secret{UNSET_KEY}', 'h.auth', { secrets })(scope)).toThrow(
      /h.auth: secret 'UNSET_KEY' is declared but has no value in this process/,
    );
  });

  it('refuses undeclared $Secret names when compiling, in the same words whether or not they exist', () => {
    for (const name of ['PATH', 'HOME', 'NO_SUCH_VARIABLE_1234']) {
      expect(() => compileTemplate(`$Secret{${name}}`, 'h.auth', { secrets })).toThrow(
        new RegExp(`h.auth: secret '${name}' is not declared;`),
      );
    }
    // Without a secret source nothing is declared: the engine never reads the environment.
    expect(() => compileTemplate('$Secret{STRIPE_KEY}', 'x')).toThrow(/not declared/);
  });

  it('refuses a template nested past the depth limit before compiling it', () => {
    let deep: unknown = '$Input{amount}';
    for (let i = 0; i < 5_000; i++) deep = [deep];
    expect(() => compileTemplate(deep, 'options[0].input', { maxDepth: 3 })).toThrow(
      /options\[0\]\.input\[0\]\[0\]\[0\]: nested deeper than 3 levels/,
    );
  });

  it('gives undefined for a missing path instead of throwing', () => {
    expect(compileTemplate('$Response{nope.deeper}', 'x')(scope)).toBeUndefined();
  });

  it('rejects at compile time: unknown namespaces, undeclared input fields, malformed templates', () => {
    const reject = (value: unknown, opts = {}) => {
      try {
        compileTemplate(value, 'options[0].input', opts);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues[0];
      }
      throw new Error('expected a rejection');
    };
    expect(reject({ a: '$Foo{x}' })).toMatchObject({
      path: 'options[0].input.a',
      message: expect.stringMatching(/not a known reference/),
    });
    expect(reject({ a: '$Input{amout}' }, { inputFields: new Set(['amount']) })).toMatchObject({
      path: 'options[0].input.a',
      message: expect.stringMatching(/'amout'.*declared: amount/),
    });
    expect(reject({ a: '$Input{amount' })).toMatchObject({
      message: expect.stringMatching(/malformed template/),
    });
    expect(reject({ a: '$Input{a..b}' })).toMatchObject({
      message: expect.stringMatching(/malformed property path/),
    });
    expect(reject({ a: '$Response{id}' }, { namespaces: ['Input'] })).toMatchObject({
      message: expect.stringMatching(/not allowed here/),
    });
    expect(reject({ a: '$Fallback{reason}' })).toMatchObject({
      message: expect.stringMatching(/\$Fallback\{error/),
    });
    expect(reject({ a: '$Secret{not a name}' })).toMatchObject({
      message: expect.stringMatching(/must be a variable name/),
    });
  });

  it('parses paths', () => {
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parsePath('[2]')).toEqual([2]);
    expect(readPath({ a: [{ b: 1 }] }, parsePath('a[0].b'))).toBe(1);
  });
});
