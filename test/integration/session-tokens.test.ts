import { describe, expect, it } from 'vitest';
import { FeatureEventTypes, ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import {
  hsToken,
  nowSeconds,
  OTHER_SECRET,
  SECRET,
  USER,
  unsignedToken,
  useSessionKit,
} from '../helpers/session-kit.js';

// Sessions against real components: tokens made by Backstop and by jose, providers that are real
// HTTP simulators and the real Redis. A refused token must call nothing and never show in an error.
const k = useSessionKit();

describe('valid HS256 tokens: claims reach the mapping', () => {
  it('a token from session.sign runs the chain with $Session{sub} and $Session{org.id} in the body', async () => {
    const { sim, tag } = await k.sessionChain();
    const token = await k.backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '5m' });
    const result = await k.backstop.fallback.run({
      tag,
      input: { amount: 5 },
      session: { tag: 'user', token },
    });
    expect(result.provider).toBe(sim.name);
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 5 }]);
  });

  it('a token signed with jose SignJWT directly verifies the same way', async () => {
    const { sim, tag } = await k.sessionChain();
    const token = await hsToken(USER);
    await k.backstop.fallback.run({ tag, input: { amount: 7 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 7 }]);
    expect(await k.backstop.session.verify({ tag: 'user', token })).toMatchObject(USER);
  });
});

describe('refused tokens call no provider', () => {
  it('an expired token is refused as expired', async () => {
    const { sim, tag } = await k.sessionChain();
    const error = await k.refusal(tag, sim, await hsToken(USER, { exp: -60 }));
    expect(error.reason).toBe('expired');
  });

  it('a token whose nbf is in the future is refused as not-yet-valid', async () => {
    const { sim, tag } = await k.sessionChain();
    const error = await k.refusal(tag, sim, await hsToken(USER, { nbf: 300 }));
    expect(error.reason).toBe('not-yet-valid');
  });

  it('a token signed with another secret is refused as signature', async () => {
    const { sim, tag } = await k.sessionChain();
    const error = await k.refusal(tag, sim, await hsToken(USER, { secret: OTHER_SECRET }));
    expect(error.reason).toBe('signature');
  });

  it('an unsigned alg:none token is refused', async () => {
    const { sim, tag } = await k.sessionChain();
    const token = unsignedToken({ ...USER, exp: nowSeconds() + 600 });
    const error = await k.refusal(tag, sim, token);
    expect(['algorithm', 'malformed']).toContain(error.reason);
  });

  it('an HS384 token is refused as algorithm when only HS256 is allowed', async () => {
    const { sim, tag } = await k.sessionChain();
    const error = await k.refusal(tag, sim, await hsToken(USER, { alg: 'HS384' }));
    expect(error.reason).toBe('algorithm');
  });

  it('a token without exp is refused as claims', async () => {
    const { sim, tag } = await k.sessionChain();
    const error = await k.refusal(tag, sim, await hsToken(USER, { exp: null }));
    expect(error.reason).toBe('claims');
    expect(error.message).toContain('exp');
  });

  it('a token without exp runs when the session type sets requireExpiry: false', async () => {
    const { sim, tag } = await k.sessionChain({ secret: SECRET, requireExpiry: false });
    const token = await hsToken(USER, { exp: null });
    await k.backstop.fallback.run({ tag, input: { amount: 1 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 1 }]);
  });

  it('a claim that does not match the schema is refused as claims, naming the claim', async () => {
    const { sim, tag } = await k.sessionChain({ secret: SECRET, schema: { sub: { type: 'string' } } });
    const error = await k.refusal(tag, sim, await hsToken({ sub: 42 }));
    expect(error.reason).toBe('claims');
    expect(error.message).toContain('sub');
  });

  it('a garbage string is refused as malformed', async () => {
    const { sim, tag } = await k.sessionChain();
    const error = await k.refusal(tag, sim, 'not-a-jwt-at-all');
    expect(error.reason).toBe('malformed');
  });

  it('an undefined session tag is a ValidationError naming session.tag', async () => {
    const { sim, tag } = await k.sessionChain();
    const token = await hsToken(USER);
    const error = await rejection(
      k.backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: 'no-such-session', token } }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain('session.tag');
    expect((error as ValidationError).message).not.toContain(token);
    expect(sim.calls).toHaveLength(0);
  });
});

describe('claims in code', () => {
  it('an in-process handler sees the claims as ctx.session', async () => {
    await k.backstop.session.define({ tag: 'user', secret: SECRET });
    k.backstop.handlers.register('whoami-app', 'call', (_request, ctx) => ({ who: ctx.session?.sub }));
    await k.backstop.fallback.create({
      name: 'Who am I',
      tag: 'whoami',
      options: [{ type: FeatureEventTypes.ACTION, app: 'whoami-app', event: 'call', retries: 0 }],
    });
    const token = await hsToken(USER);
    expect(await k.backstop.fallback.run({ tag: 'whoami', session: { tag: 'user', token } })).toEqual({
      provider: 'whoami-app',
      who: 'u-1',
    });
  });

  it("a code-first chain's mapInput sees the claims as ctx.session", async () => {
    await k.backstop.session.define({ tag: 'user', secret: SECRET });
    const sim = await k.chains.provider('code');
    await k.backstop.fallback.define({
      tag: 'code-first',
      name: 'Code first',
      handler: (ctx) =>
        void ctx
          .primary(sim.name)
          .app(sim.name)
          .action('call')
          .mapInput((_input, map) => ({ body: { user: map.session?.sub } })),
    });
    const token = await hsToken(USER);
    await k.backstop.fallback.run({ tag: 'code-first', session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1' }]);
  });

  it('session: {} means no session: the run goes ahead and $Session{} reads nothing', async () => {
    const { sim, tag } = await k.sessionChain();
    const result = await k.backstop.fallback.run({ tag, input: { amount: 4 }, session: {} });
    expect(result.provider).toBe(sim.name);
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.body).toEqual({ amount: 4 });
  });
});
