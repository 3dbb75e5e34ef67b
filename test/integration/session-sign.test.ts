import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Backstop, ValidationError } from '../../src/index.js';
import { testBackstop } from '../helpers/redis.js';

// session.sign must issue tokens its own session type accepts, and the messages for a session
// passed wrong must name what is wrong (an unset variable), not a neighbouring rule.

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
let backstop: Backstop;

beforeEach(async () => {
  backstop = testBackstop();
  backstop.handlers.register('ledger', 'charge', async (_request, ctx) => ({ user: ctx.session?.sub }));
  await backstop.fallback.define({
    product: 'my-product',
    tag: 'charge',
    name: 'Charge',
    handler: (ctx) => {
      ctx.primary('ledger').app('ledger').action('charge');
    },
  });
});
afterEach(() => backstop.close());

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('session.sign', () => {
  it('fills iss and aud from the session type, so a type that checks them accepts its own tokens', async () => {
    await backstop.session.define({
      tag: 'user',
      secret: SECRET,
      issuer: 'https://issuer',
      audience: 'checkout',
    });
    const token = await backstop.session.sign({ tag: 'user', claims: { sub: 'u-1' } });
    expect(decodeJwt(token)).toMatchObject({ iss: 'https://issuer', aud: 'checkout', sub: 'u-1' });
    expect(await backstop.session.verify({ tag: 'user', token })).toMatchObject({ sub: 'u-1' });
    const result = await backstop.fallback.run({ tag: 'charge', session: { tag: 'user', token } });
    expect(result).toEqual({ provider: 'ledger', user: 'u-1' });
  });

  it('takes the first issuer of a list and every audience; claims the caller names win', async () => {
    await backstop.session.define({
      tag: 'user',
      secret: SECRET,
      issuer: ['https://a', 'https://b'],
      audience: ['checkout', 'billing'],
    });
    const token = await backstop.session.sign({ tag: 'user', claims: { sub: 'u-2' } });
    expect(decodeJwt(token)).toMatchObject({ iss: 'https://a', aud: ['checkout', 'billing'] });
    const own = await backstop.session.sign({
      tag: 'user',
      claims: { sub: 'u-3', iss: 'https://b', aud: 'billing' },
    });
    expect(decodeJwt(own)).toMatchObject({ iss: 'https://b', aud: 'billing' });
    expect(await backstop.session.verify({ tag: 'user', token: own })).toMatchObject({ sub: 'u-3' });
  });

  it('sets neither when the type checks neither', async () => {
    await backstop.session.define({ tag: 'user', secret: SECRET });
    const claims = decodeJwt(await backstop.session.sign({ tag: 'user', claims: { sub: 'u-4' } }));
    expect(claims).not.toHaveProperty('iss');
    expect(claims).not.toHaveProperty('aud');
  });
});

describe('session messages name the real problem', () => {
  it('{ tag, token: undefined } is a missing token, in run, dispatch and the processor API', async () => {
    await backstop.session.define({ tag: 'user', secret: SECRET });
    const unset: string | undefined = process.env.BACKSTOP_TEST_UNSET_TOKEN;
    const session = { tag: 'user', token: unset as string };
    for (const call of [
      () => backstop.fallback.run({ tag: 'charge', session }),
      () => backstop.fallback.dispatch({ tag: 'charge', session }),
      () =>
        backstop.processor.fallback.run({
          env: 'prd',
          product_tag: 'my-product',
          fallback_tag: 'charge',
          action: 'trigger',
          session,
        }),
    ]) {
      const error = await rejection(call());
      expect(error.issues).toEqual([
        {
          path: 'session.token',
          message: expect.stringMatching(/^required, got undefined: the token was not set/),
        },
      ]);
    }
  });

  it('a token without a tag names the tag; a stray field is unknown; {} is no session', async () => {
    const noTag = await rejection(backstop.fallback.run({ tag: 'charge', session: { token: 'x' } as never }));
    expect(noTag.issues).toEqual([{ path: 'session.tag', message: expect.stringMatching(/^required/) }]);
    const stray = await rejection(
      backstop.fallback.run({ tag: 'charge', session: { tag: 'user', token: 'x', tokn: 'y' } as never }),
    );
    expect(stray.issues).toEqual([{ path: 'session.tokn', message: 'unknown field' }]);
    expect(await backstop.fallback.run({ tag: 'charge', session: {} })).toEqual({ provider: 'ledger' });
  });

  it('secret: process.env.X with X unset says the value is undefined, not "exactly one of"', async () => {
    const error = await rejection(
      backstop.session.define({ tag: 'user', secret: process.env.BACKSTOP_TEST_UNSET_SECRET }),
    );
    expect(error.issues).toEqual([
      {
        path: 'secret',
        message: expect.stringMatching(
          /^is undefined: the value passed \(an environment variable that is not set\?\)/,
        ),
      },
    ]);
    expect(error.message).not.toContain('exactly one of');
    // Leaving every key source out still asks for one of them.
    const none = await rejection(backstop.session.define({ tag: 'user' }));
    expect(none.issues[0]?.message).toContain('expected exactly one of secret, publicKey or jwksUrl');
  });
});
