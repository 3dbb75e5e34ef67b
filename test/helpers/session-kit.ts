import { SignJWT } from 'jose';
import { expect } from 'vitest';
import { ErrorCodes, SessionInvalidError } from '../../src/index.js';
import { rejection, type TestBackstop, usePerTestBackstop } from './http-chains.js';
import type { ProviderSimulator } from './provider-simulator.js';

export const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
export const OTHER_SECRET = 'another-shared-secret-of-32-bytes-too';
export const USER = { sub: 'u-1', org: { id: 'org-9' } };
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS* token made with jose directly; `exp` and `nbf` in seconds from now (null: none). */
export function hsToken(
  claims: Record<string, unknown>,
  options: { alg?: string; secret?: string; exp?: number | null; nbf?: number } = {},
): Promise<string> {
  const { alg = 'HS256', secret = SECRET, exp = 600, nbf } = options;
  const jwt = new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(nowSeconds() + exp);
  if (nbf !== undefined) jwt.setNotBefore(nowSeconds() + nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** An unsigned token, built by hand: `alg: none` and an empty signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

export interface SessionKit extends TestBackstop {
  /** A session type 'user' and a chain whose one provider receives `$Session{sub}` and `$Session{org.id}`. */
  sessionChain(definition?: Record<string, unknown>): Promise<{ sim: ProviderSimulator; tag: string }>;
  /**
   * Runs `tag` with the token and expects it refused before any provider was called; the error,
   * its message and its JSON never carry the token.
   */
  refusal(tag: string, sim: ProviderSimulator, token: string, session?: string): Promise<SessionInvalidError>;
}

/** Per test: a fresh prefix, a Backstop on it and HTTP simulators, closed after the test. */
export function useSessionKit(): SessionKit {
  const t = usePerTestBackstop();
  return {
    get prefix() {
      return t.prefix;
    },
    get backstop() {
      return t.backstop;
    },
    get chains() {
      return t.chains;
    },
    restart: (options) => t.restart(options),
    async sessionChain(definition = { secret: SECRET }) {
      const { backstop, chains } = t;
      await backstop.session.define({ tag: 'user', ...definition });
      const sim = await chains.provider('pay');
      const tag = await chains.chain([
        chains.option(sim, {
          input: { body: { user: '$Session{sub}', org: '$Session{org.id}', amount: '$Input{amount}' } },
        }),
      ]);
      return { sim, tag };
    },
    async refusal(tag, sim, token, session = 'user') {
      const error = await rejection(
        t.backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: session, token } }),
      );
      expect(error).toBeInstanceOf(SessionInvalidError);
      const refused = error as SessionInvalidError;
      expect(refused.code).toBe(ErrorCodes.SESSION_INVALID);
      expect(refused.session).toBe(session);
      expect(refused.message).not.toContain(token);
      expect(JSON.stringify(refused.toJSON())).not.toContain(token);
      expect(JSON.stringify(refused)).not.toContain(token);
      expect(sim.calls).toHaveLength(0);
      return refused;
    },
  };
}
