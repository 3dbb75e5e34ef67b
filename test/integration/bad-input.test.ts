import { afterAll, describe, expect, it } from 'vitest';
import { Backstop, BackstopError, ErrorCodes } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';

// Whatever a caller passes, the answer is a BackstopError with a stable code and a field path,
// never a TypeError from deep inside.
describe('bad input anywhere', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());
  const api = backstop as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;

  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    ['run(undefined)', () => api.fallback!.run!(undefined), ErrorCodes.VALIDATION, /expected object/],
    ['run without tag', () => api.fallback!.run!({ input: {} }), ErrorCodes.VALIDATION, /tag: required/],
    [
      'run with input not an object',
      () => api.fallback!.run!({ tag: 'x', input: 'a' }),
      ErrorCodes.VALIDATION,
      /input: expected record/,
    ],
    [
      'run with unknown field',
      () => api.fallback!.run!({ tag: 'x', tga: 'y' }),
      ErrorCodes.VALIDATION,
      /tga: unknown field/,
    ],
    [
      'run of an unknown tag',
      () => api.fallback!.run!({ tag: 'nope' }),
      ErrorCodes.NOT_FOUND,
      /fallback 'nope' not found in product 'my-product'/,
    ],
    [
      'run with a session type never defined',
      () => api.fallback!.run!({ tag: 'x', session: { tag: 's', token: 't' } }),
      ErrorCodes.VALIDATION,
      /session\.tag: no session type 's'/,
    ],
    [
      'create(undefined)',
      () => api.fallback!.create!(undefined),
      ErrorCodes.VALIDATION,
      /invalid fallback definition/,
    ],
    [
      'create with options not an array',
      () => api.fallback!.create!({ name: 'n', tag: 't', options: {} }),
      ErrorCodes.VALIDATION,
      /options: expected array/,
    ],
    ['define(undefined)', () => api.fallback!.define!(undefined), ErrorCodes.VALIDATION, /expected object/],
    [
      'define with a handler that is not a function',
      () => api.fallback!.define!({ tag: 't', name: 'n', handler: 3 }),
      ErrorCodes.VALIDATION,
      /handler/,
    ],
    ['fetch(undefined)', () => api.fallback!.fetch!(undefined), ErrorCodes.VALIDATION, /tag/],
    ['update with no patch', () => api.fallback!.update!('x'), ErrorCodes.VALIDATION, /patch/],
    [
      'update of an unknown tag',
      () => api.fallback!.update!('nope', { name: 'x' }),
      ErrorCodes.NOT_FOUND,
      /'nope'/,
    ],
    ['delete of an unknown tag', () => api.fallback!.delete!('nope'), ErrorCodes.NOT_FOUND, /'nope'/],
    [
      'app.define(undefined)',
      () => api.app!.define!(undefined),
      ErrorCodes.VALIDATION,
      /invalid app definition/,
    ],
    [
      'app.define with no actions',
      () => api.app!.define!({ tag: 'a', envs: { prd: { baseUrl: 'http://127.0.0.1:1' } }, actions: {} }),
      ErrorCodes.VALIDATION,
      /actions: expected at least one action/,
    ],
    [
      'app.fetch of an unknown tag',
      () => api.app!.fetch!('nope'),
      ErrorCodes.NOT_FOUND,
      /app 'nope' not found/,
    ],
  ];

  it.each(cases)('%s', async (_name, call, code, message) => {
    const error = await rejection(call());
    expect(error).toBeInstanceOf(BackstopError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('new Backstop() names a bad option', () => {
    expect(() => new Backstop({ product: 'has spaces', redis: 'redis://127.0.0.1:1' })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.VALIDATION,
        message: expect.stringContaining('product: expected a tag'),
      }),
    );
  });

  it('sync registrations reject bad arguments with a ValidationError', () => {
    const handlers = backstop.handlers as unknown as { register: (...a: unknown[]) => void };
    expect(() => handlers.register('app', 'action', 'not a function')).toThrow(
      expect.objectContaining({ code: ErrorCodes.VALIDATION }),
    );
    expect(() => backstop.product.init('has spaces')).toThrow(
      expect.objectContaining({ code: ErrorCodes.VALIDATION }),
    );
    const targets = backstop.targets as unknown as { register: (...a: unknown[]) => void };
    expect(() => targets.register('database', {})).toThrow(
      expect.objectContaining({ code: ErrorCodes.VALIDATION }),
    );
  });
});
