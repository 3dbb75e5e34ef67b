import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backstop,
  type BackstopOptions,
  ErrorCodes,
  FallbackExhaustedError,
  FeatureEventTypes,
  SessionInvalidError,
  ValidationError,
} from '../../src/index.js';
import { REDACTED_PATHS } from '../../src/logger.js';
import { httpChains, rejection } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';

// Sessions against real components: tokens made by Backstop and by jose, providers that are real
// HTTP simulators, a real JWKS server on loopback, a real worker and the real Redis. A refused
// token must call nothing, and the raw token must never show up in errors, Redis or logs.

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const OTHER_SECRET = 'another-shared-secret-of-32-bytes-too';
const USER = { sub: 'u-1', org: { id: 'org-9' } };
const nowSeconds = () => Math.floor(Date.now() / 1000);

let prefix: string;
let backstop: Backstop;
let chains: ReturnType<typeof httpChains>;

function start(options: BackstopOptions = {}) {
  prefix = uniquePrefix();
  backstop = testBackstop({ prefix, ...options });
  chains = httpChains(() => backstop);
}

beforeEach(() => start());
afterEach(async () => {
  await chains.closeAll();
  await backstop.close();
});

/** An HS* token made with jose directly; `exp` and `nbf` in seconds from now (null: none). */
function hsToken(
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
function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** A session type 'user' and a chain whose one provider receives `$Session{sub}` and `$Session{org.id}`. */
async function sessionChain(
  definition: Record<string, unknown> = { secret: SECRET },
): Promise<{ sim: ProviderSimulator; tag: string }> {
  await backstop.session.define({ tag: 'user', ...definition });
  const sim = await chains.provider('pay');
  const tag = await chains.chain([
    chains.option(sim, {
      input: { body: { user: '$Session{sub}', org: '$Session{org.id}', amount: '$Input{amount}' } },
    }),
  ]);
  return { sim, tag };
}

/**
 * Runs `tag` with the token and expects it refused before any provider was called; the error, its
 * message and its JSON never carry the token.
 */
async function refusal(
  tag: string,
  sim: ProviderSimulator,
  token: string,
  session = 'user',
): Promise<SessionInvalidError> {
  const error = await rejection(
    backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: session, token } }),
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
}

describe('valid HS256 tokens: claims reach the mapping', () => {
  it('a token from session.sign runs the chain with $Session{sub} and $Session{org.id} in the body', async () => {
    const { sim, tag } = await sessionChain();
    const token = await backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '5m' });
    const result = await backstop.fallback.run({
      tag,
      input: { amount: 5 },
      session: { tag: 'user', token },
    });
    expect(result.provider).toBe(sim.name);
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 5 }]);
  });

  it('a token signed with jose SignJWT directly verifies the same way', async () => {
    const { sim, tag } = await sessionChain();
    const token = await hsToken(USER);
    await backstop.fallback.run({ tag, input: { amount: 7 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 7 }]);
    expect(await backstop.session.verify({ tag: 'user', token })).toMatchObject(USER);
  });
});

describe('refused tokens call no provider', () => {
  it('an expired token is refused as expired', async () => {
    const { sim, tag } = await sessionChain();
    const error = await refusal(tag, sim, await hsToken(USER, { exp: -60 }));
    expect(error.reason).toBe('expired');
  });

  it('a token whose nbf is in the future is refused as not-yet-valid', async () => {
    const { sim, tag } = await sessionChain();
    const error = await refusal(tag, sim, await hsToken(USER, { nbf: 300 }));
    expect(error.reason).toBe('not-yet-valid');
  });

  it('a token signed with another secret is refused as signature', async () => {
    const { sim, tag } = await sessionChain();
    const error = await refusal(tag, sim, await hsToken(USER, { secret: OTHER_SECRET }));
    expect(error.reason).toBe('signature');
  });

  it('an unsigned alg:none token is refused', async () => {
    const { sim, tag } = await sessionChain();
    const token = unsignedToken({ ...USER, exp: nowSeconds() + 600 });
    const error = await refusal(tag, sim, token);
    expect(['algorithm', 'malformed']).toContain(error.reason);
  });

  it('an HS384 token is refused as algorithm when only HS256 is allowed', async () => {
    const { sim, tag } = await sessionChain();
    const error = await refusal(tag, sim, await hsToken(USER, { alg: 'HS384' }));
    expect(error.reason).toBe('algorithm');
  });

  it('a token without exp is refused as claims', async () => {
    const { sim, tag } = await sessionChain();
    const error = await refusal(tag, sim, await hsToken(USER, { exp: null }));
    expect(error.reason).toBe('claims');
    expect(error.message).toContain('exp');
  });

  it('a token without exp runs when the session type sets requireExpiry: false', async () => {
    const { sim, tag } = await sessionChain({ secret: SECRET, requireExpiry: false });
    const token = await hsToken(USER, { exp: null });
    await backstop.fallback.run({ tag, input: { amount: 1 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 1 }]);
  });

  it('a claim that does not match the schema is refused as claims, naming the claim', async () => {
    const { sim, tag } = await sessionChain({ secret: SECRET, schema: { sub: { type: 'string' } } });
    const error = await refusal(tag, sim, await hsToken({ sub: 42 }));
    expect(error.reason).toBe('claims');
    expect(error.message).toContain('sub');
  });

  it('a garbage string is refused as malformed', async () => {
    const { sim, tag } = await sessionChain();
    const error = await refusal(tag, sim, 'not-a-jwt-at-all');
    expect(error.reason).toBe('malformed');
  });

  it('an undefined session tag is a ValidationError naming session.tag', async () => {
    const { sim, tag } = await sessionChain();
    const token = await hsToken(USER);
    const error = await rejection(
      backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: 'no-such-session', token } }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain('session.tag');
    expect((error as ValidationError).message).not.toContain(token);
    expect(sim.calls).toHaveLength(0);
  });
});

describe('session.define refuses unsafe definitions', () => {
  async function definitionIssues(definition: Record<string, unknown>): Promise<string[]> {
    const error = await rejection(backstop.session.define({ tag: 'user', ...definition }));
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => i.path);
  }

  it('refuses a secret shorter than 32 bytes, naming secret', async () => {
    expect(await definitionIssues({ secret: 'x'.repeat(31) })).toContain('secret');
  });

  it("refuses algorithms ['none'], naming algorithms", async () => {
    const paths = await definitionIssues({ secret: SECRET, algorithms: ['none'] });
    expect(paths.some((p) => p.startsWith('algorithms'))).toBe(true);
  });

  it('refuses two sources of keys', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const error = await rejection(
      backstop.session.define({ tag: 'user', secret: SECRET, publicKey: pem, algorithms: ['RS256'] }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain('exactly one of secret, publicKey or jwksUrl');
  });

  it('refuses a publicKey without algorithms', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    expect(await definitionIssues({ publicKey: await exportSPKI(publicKey) })).toContain('algorithms');
  });
});

describe('public keys', () => {
  async function rsaPair() {
    const pair = await generateKeyPair('RS256', { extractable: true });
    return { ...pair, pem: await exportSPKI(pair.publicKey) };
  }

  function rsToken(privateKey: CryptoKey, claims: Record<string, unknown> = USER): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  }

  it('a PEM public key with RS256 verifies a token signed with its private key', async () => {
    const { privateKey, pem } = await rsaPair();
    const { sim, tag } = await sessionChain({ publicKey: pem, algorithms: ['RS256'] });
    const token = await rsToken(privateKey);
    await backstop.fallback.run({ tag, input: { amount: 2 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 2 }]);
  });

  it('a token signed by another key pair is refused as signature', async () => {
    const { pem } = await rsaPair();
    const other = await rsaPair();
    const { sim, tag } = await sessionChain({ publicKey: pem, algorithms: ['RS256'] });
    const error = await refusal(tag, sim, await rsToken(other.privateKey));
    expect(error.reason).toBe('signature');
  });

  it('an HS256 token signed with the PEM text as HMAC secret (key confusion) is refused', async () => {
    const { pem } = await rsaPair();
    const { sim, tag } = await sessionChain({ publicKey: pem, algorithms: ['RS256'] });
    const error = await refusal(tag, sim, await hsToken(USER, { secret: pem }));
    expect(error.reason).toBe('algorithm');
  });
});

describe('JWKS', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
  });

  /** A loopback server that publishes `keys` at /jwks.json; resolves with its URL. */
  async function serveJwks(keys: JWK[]): Promise<string> {
    server = createServer((req, res) => {
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  }

  it('verifies a token whose kid names a key the JWKS publishes', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const jwksUrl = await serveJwks([jwk]);
    const { sim, tag } = await sessionChain({ jwksUrl, algorithms: ['RS256'] });
    const token = await new SignJWT(USER)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    await backstop.fallback.run({ tag, input: { amount: 3 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 3 }]);
  });

  it('refuses as keys-unavailable when the JWKS server is closed', async () => {
    const jwksUrl = await serveJwks([]);
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const { sim, tag } = await sessionChain({ jwksUrl, algorithms: ['RS256'] });
    const token = await new SignJWT(USER)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
      .setExpirationTime('10m')
      .sign(privateKey);
    const error = await refusal(tag, sim, token);
    expect(error.reason).toBe('keys-unavailable');
  });
});

describe('claims in code', () => {
  it('an in-process handler sees the claims as ctx.session', async () => {
    await backstop.session.define({ tag: 'user', secret: SECRET });
    backstop.handlers.register('whoami-app', 'call', (_request, ctx) => ({ who: ctx.session?.sub }));
    await backstop.fallback.create({
      name: 'Who am I',
      tag: 'whoami',
      options: [{ type: FeatureEventTypes.ACTION, app: 'whoami-app', event: 'call', retries: 0 }],
    });
    const token = await hsToken(USER);
    expect(await backstop.fallback.run({ tag: 'whoami', session: { tag: 'user', token } })).toEqual({
      provider: 'whoami-app',
      who: 'u-1',
    });
  });

  it("a code-first chain's mapInput sees the claims as ctx.session", async () => {
    await backstop.session.define({ tag: 'user', secret: SECRET });
    const sim = await chains.provider('code');
    await backstop.fallback.define({
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
    await backstop.fallback.run({ tag: 'code-first', session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1' }]);
  });

  it('session: {} means no session: the run goes ahead and $Session{} reads nothing', async () => {
    const { sim, tag } = await sessionChain();
    const result = await backstop.fallback.run({ tag, input: { amount: 4 }, session: {} });
    expect(result.provider).toBe(sim.name);
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.body).toEqual({ amount: 4 });
  });
});

/** Every value stored under the test's prefix, as one string (strings, hashes, lists, sets, zsets, streams). */
async function dumpRedis(): Promise<string> {
  const redis = rawRedis();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const parts: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : type === 'zset'
                  ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
                  : type === 'stream'
                    ? await redis.xrange(key, '-', '+')
                    : type;
      parts.push(`${key} ${JSON.stringify(value)}`);
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}

describe('dispatch', () => {
  it('a dispatched job with a valid session completes with $Session{sub}; the raw token is never in Redis', async () => {
    const { sim, tag } = await sessionChain();
    const token = await backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '5m' });
    const signature = token.split('.')[2]!;
    const handle = await backstop.fallback.dispatch({
      tag,
      input: { amount: 6 },
      session: { tag: 'user', token },
      schedule: { delay: 300 },
    });

    const waiting = await dumpRedis();
    expect(waiting).toContain(handle.id); // the scan did find the job
    expect(waiting).toMatch(/\\"sealed\\":\\"s1\./); // its session, sealed
    expect(waiting).not.toContain(token);
    expect(waiting).not.toContain(signature);

    await backstop.worker({ healthchecks: false });
    const view = await backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('completed');
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 6 }]);

    const done = await dumpRedis();
    expect(done).toContain(handle.id);
    expect(done).not.toContain(token);
    expect(done).not.toContain(signature);
  });

  it('an invalid token at dispatch rejects and queues nothing', async () => {
    const { sim, tag } = await sessionChain();
    const token = await hsToken(USER, { secret: OTHER_SECRET });
    const error = await rejection(
      backstop.fallback.dispatch({ tag, input: { amount: 1 }, session: { tag: 'user', token } }),
    );
    expect(error).toBeInstanceOf(SessionInvalidError);
    expect((error as SessionInvalidError).reason).toBe('signature');
    expect((error as SessionInvalidError).message).not.toContain(token);
    const counts = await (await backstop.jobQueue()).getJobCounts(
      'waiting',
      'delayed',
      'active',
      'prioritized',
      'completed',
      'failed',
    );
    expect(counts).toEqual({ waiting: 0, delayed: 0, active: 0, prioritized: 0, completed: 0, failed: 0 });
    expect(sim.calls).toHaveLength(0);
  });

  it('a token that expires while its job waits fails the job as BACKSTOP_SESSION_INVALID without calling anything', async () => {
    const { sim, tag } = await sessionChain();
    await backstop.worker({ healthchecks: false });
    // exp is whole seconds: at least 2 s of validity leaves dispatch time to verify it on a busy
    // machine, and the job runs 2 s after the token has expired.
    const token = await hsToken(USER, { exp: 3 });
    const handle = await backstop.fallback.dispatch({
      tag,
      input: { amount: 8 },
      session: { tag: 'user', token },
      schedule: { delay: 5000 },
    });
    const view = await backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe(ErrorCodes.SESSION_INVALID);
    expect(view.error?.message).toMatch(/expired/);
    expect(view.error?.message).not.toContain(token);
    expect(sim.calls).toHaveLength(0);
  });
});

describe('logs', () => {
  it('no log line carries the token, whether the chain fails, the token is refused or a job runs', async () => {
    await backstop.close();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    start({ logger });

    const { sim, tag } = await sessionChain();
    sim.down(503);
    const token = await backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '5m' });
    const session = { tag: 'user', token };

    const failed = await rejection(backstop.fallback.run({ tag, input: { amount: 5 }, session }));
    expect(failed).toBeInstanceOf(FallbackExhaustedError);
    expect(JSON.stringify(failed)).not.toContain(token);

    const forged = `${token.slice(0, -4)}AAAA`;
    await rejection(
      backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: 'user', token: forged } }),
    );

    await backstop.worker({ healthchecks: false });
    const handle = await backstop.fallback.dispatch({ tag, input: { amount: 5 }, session });
    expect((await backstop.jobs.wait(handle.id, { timeout: 10_000 })).state).toBe('failed');

    expect(sim.calls).toHaveLength(2); // the failing run and the job; the forged token called nothing
    expect(lines.some((l) => l.includes(tag))).toBe(true); // the runs did log
    const signature = token.split('.')[2]!;
    for (const line of lines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(forged);
      expect(line).not.toContain(signature);
    }
  });
});
