import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backstop, DataTypes, NotFoundError, ValidationError } from '../../src/index.js';
import { httpChains, rejection } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';

// What reaches a real HTTP provider (path, query, headers, body, secrets, the previous failure), and
// how bad tags, inputs and templates are rejected before any provider is called.

const S = DataTypes.STRING;
const N = DataTypes.NUMBER;
/** Declared by its variable's name: BACKSTOP_SECRET_HTTP_REQUESTS_TEST_KEY is $Secret{HTTP_REQUESTS_TEST_KEY}. */
const SECRET = 'HTTP_REQUESTS_TEST_KEY';
const VARIABLE = `BACKSTOP_SECRET_${SECRET}`;

describe('HTTP providers: request shaping and bad input', () => {
  let backstop: Backstop;
  const { provider, option, chain, closeAll } = httpChains(() => backstop);
  const previousSecret = process.env[VARIABLE];

  beforeAll(() => {
    process.env[VARIABLE] = 'sk_test_123';
    backstop = testBackstop();
  });
  afterAll(async () => {
    await backstop.close();
    await closeAll();
    if (previousSecret === undefined) delete process.env[VARIABLE];
    else process.env[VARIABLE] = previousSecret;
  });

  describe('request shaping', () => {
    it('sends the body, query, headers and path params a mapped input names', async () => {
      const orders = await provider('orders', { update: { method: 'POST', path: '/v1/orders/:id/capture' } });
      const input = {
        params: { id: '$Input{id}' },
        query: { expand: 'items', currency: '$Input{currency}' },
        headers: { 'X-Trace-Id': '$Input{trace}' },
        body: { amount: '$Input{amount}', note: 'order $Input{id}' },
      };
      const schema = { id: { type: S }, currency: { type: S }, trace: { type: S }, amount: { type: N } };
      const tag = await chain([option(orders, { event: 'update', input })], { input: schema });

      await backstop.fallback.run({
        tag,
        input: { id: 'ord 42/a', currency: 'EUR', trace: 't-1', amount: 2500 },
      });

      expect(orders.calls).toHaveLength(1);
      const call = orders.calls[0]!;
      expect(call.method).toBe('POST');
      expect(call.path).toBe('/v1/orders/ord%2042%2Fa/capture');
      expect(call.query).toEqual({ expand: 'items', currency: 'EUR' });
      expect(call.headers['x-trace-id']).toBe('t-1');
      expect(call.headers['content-type']).toContain('application/json');
      expect(call.body).toEqual({ amount: 2500, note: 'order ord 42/a' });
    });

    it('sends a plain mapped object as the JSON body of a POST', async () => {
      const sim = await provider('charges');
      const input = { amount: '$Input{amount}', currency: '$Input{currency}' };
      const schema = { amount: { type: N }, currency: { type: S } };
      const tag = await chain([option(sim, { input })], { input: schema });

      await backstop.fallback.run({ tag, input: { amount: 2500, currency: 'USD' } });

      const call = sim.calls[0]!;
      expect(call.method).toBe('POST');
      expect(call.body).toEqual({ amount: 2500, currency: 'USD' });
      expect(call.query).toEqual({});
    });

    it('sends a plain mapped object as the query string of a GET', async () => {
      const sim = await provider('search', { find: { method: 'GET', path: '/v1/items' } });
      const input = { q: '$Input{q}', limit: 5 };
      const tag = await chain([option(sim, { event: 'find', input })], { input: { q: { type: S } } });

      await backstop.fallback.run({ tag, input: { q: 'red shoes' } });

      const call = sim.calls[0]!;
      expect(call.method).toBe('GET');
      expect(call.path).toBe('/v1/items');
      expect(call.query).toEqual({ q: 'red shoes', limit: '5' });
      expect(call.body).toBeUndefined();
    });

    it('sends env headers and $Secret{} values from app and action headers', async () => {
      const actions = {
        call: {
          method: 'POST',
          path: '/call',
          headers: { 'X-Api-Version': '2024-06-01', 'X-Signing-Key': '$Secret{' + SECRET + '}' },
        },
      };
      const envHeaders = { Authorization: 'Bearer $Secret{' + SECRET + '}', 'X-Client': 'backstop-test' };
      const sim = await provider('secured', actions, envHeaders);
      const tag = await chain([option(sim)]);

      await backstop.fallback.run({ tag, input: { amount: 1 } });

      const { headers } = sim.calls[0]!;
      expect(headers.authorization).toBe('Bearer sk_test_123');
      expect(headers['x-client']).toBe('backstop-test');
      expect(headers['x-api-version']).toBe('2024-06-01');
      expect(headers['x-signing-key']).toBe('sk_test_123');
      expect(headers['idempotency-key']).toEqual(expect.any(String));
    });

    it("passes the first provider's failure to the second option's input through $Fallback{}", async () => {
      const primary = (await provider('primary')).always({
        kind: 'fail',
        status: 422,
        body: { error: 'amount_too_small' },
      });
      const secondary = await provider('secondary');
      const tag = await chain(
        [
          option(primary, { input: { amount: '$Input{amount}' } }),
          option(secondary, {
            input: {
              amount: '$Input{amount}',
              reason: '$Fallback{error}',
              previous: '$Fallback{provider}',
              status: '$Fallback{status}',
              note: 'after $Fallback{code}',
            },
          }),
        ],
        { input: { amount: { type: N } } },
      );

      const result = await backstop.fallback.run({ tag, input: { amount: 5 } });

      expect(result.provider).toBe(secondary.name);
      const body = secondary.calls[0]!.body as Record<string, unknown>;
      expect(body.amount).toBe(5);
      expect(body.reason).toEqual(expect.stringContaining('422'));
      expect(body.reason).toEqual(expect.stringContaining('amount_too_small'));
      expect(body.previous).toBe(primary.name);
      expect(body.status).toBe(422);
      expect(body.note).toBe('after BACKSTOP_PROVIDER_HTTP');
    });
  });

  describe('bad input', () => {
    const input = { amount: { type: DataTypes.NUMBER }, currency: { type: DataTypes.STRING } };

    it('rejects an unknown tag with a NotFoundError naming the tag and the product', async () => {
      const error = await rejection(backstop.fallback.run({ tag: 'no-such-chain', input: {} }));

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({
        code: 'BACKSTOP_NOT_FOUND',
        tag: 'no-such-chain',
        product: 'my-product',
      });
      expect((error as Error).message).toContain('no-such-chain');
      expect((error as Error).message).toContain('my-product');
    });

    it('rejects invalid input with a ValidationError naming each field; no provider is called', async () => {
      const sim = await provider('charges');
      const tag = await chain([option(sim, { input: { amount: '$Input{amount}' } })], { input });

      const error = await rejection(backstop.fallback.run({ tag, input: { amount: 'lots' } }));

      expect(error).toBeInstanceOf(ValidationError);
      const { code, issues, message } = error as ValidationError;
      expect(code).toBe('BACKSTOP_VALIDATION');
      expect(issues.map((i) => i.path).sort()).toEqual(['input.amount', 'input.currency']);
      expect(message).toContain('input.amount');
      expect(sim.calls).toHaveLength(0);
    });

    it('rejects a malformed template at create and stores nothing', async () => {
      const sim = await provider('charges');
      const tag = `rejected-${sim.name}`;
      const options = [option(sim, { input: { amount: '$Input{amount' } })];

      const error = await rejection(backstop.fallback.create({ name: tag, tag, input, options }));

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toContain('options[0].input.amount');
      expect(await rejection(backstop.fallback.fetch(tag))).toBeInstanceOf(NotFoundError);
      expect(
        await rejection(backstop.fallback.run({ tag, input: { amount: 1, currency: 'USD' } })),
      ).toBeInstanceOf(NotFoundError);
    });

    it('rejects $Input{} of an undeclared field at create and stores nothing', async () => {
      const sim = await provider('charges');
      const tag = `rejected-${sim.name}`;
      const options = [option(sim, { input: { amount: '$Input{amout}' } })];

      const error = await rejection(backstop.fallback.create({ name: tag, tag, input, options }));

      expect(error).toBeInstanceOf(ValidationError);
      const issue = (error as ValidationError).issues.find((i) => i.path === 'options[0].input.amount');
      expect(issue?.message).toContain('amout');
      expect(await rejection(backstop.fallback.fetch(tag))).toBeInstanceOf(NotFoundError);
      expect((await backstop.fallback.fetchAll()).map((f) => f.tag)).not.toContain(tag);
    });
  });
});
