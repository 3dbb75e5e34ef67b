import { describe, expect, it } from 'vitest';
import { parsePath, readPath } from '../../src/core/path.js';
import { compileTemplate } from '../../src/core/template/compile.js';
import { ValidationError } from '../../src/core/validation-error.js';

describe('templates', () => {
  const scope = {
    input: { amount: 2500, customer: { id: 'cus_1' }, items: [{ sku: 'a' }, { sku: 'b' }] },
    response: { id: 'ch_1', data: [{ status: 'ok' }] },
    secret: (name: string) => (name === 'STRIPE_KEY' ? 'sk_test' : undefined),
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

  it('resolves $Secret at evaluation time and $Fallback from the previous failure', () => {
    expect(compileTemplate('Bearer $Secret{STRIPE_KEY}', 'x')(scope)).toBe('Bearer sk_test');
    expect(compileTemplate({ note: '$Fallback{error}', from: '$Fallback{provider}' }, 'x')(scope)).toEqual({
      note: 'HTTP 503: down',
      from: 'stripe',
    });
    expect(() => compileTemplate('$Secret{MISSING_ONE}', 'h.auth')(scope)).toThrow(
      /h.auth: secret 'MISSING_ONE' is not set/,
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
      message: expect.stringMatching(/environment variable name/),
    });
  });

  it('parses paths', () => {
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parsePath('[2]')).toEqual([2]);
    expect(readPath({ a: [{ b: 1 }] }, parsePath('a[0].b'))).toBe(1);
  });
});
