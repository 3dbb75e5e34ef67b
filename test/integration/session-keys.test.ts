import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import { hsToken, SECRET, USER, useSessionKit } from '../helpers/session-kit.js';

// Where a session type's keys come from (a shared secret, a PEM public key, a JWKS URL on loopback),
// and the definitions session.define refuses as unsafe.
const k = useSessionKit();

describe('session.define refuses unsafe definitions', () => {
  async function definitionIssues(definition: Record<string, unknown>): Promise<string[]> {
    const error = await rejection(k.backstop.session.define({ tag: 'user', ...definition }));
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
      k.backstop.session.define({ tag: 'user', secret: SECRET, publicKey: pem, algorithms: ['RS256'] }),
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
    const { sim, tag } = await k.sessionChain({ publicKey: pem, algorithms: ['RS256'] });
    const token = await rsToken(privateKey);
    await k.backstop.fallback.run({ tag, input: { amount: 2 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 2 }]);
  });

  it('a token signed by another key pair is refused as signature', async () => {
    const { pem } = await rsaPair();
    const other = await rsaPair();
    const { sim, tag } = await k.sessionChain({ publicKey: pem, algorithms: ['RS256'] });
    const error = await k.refusal(tag, sim, await rsToken(other.privateKey));
    expect(error.reason).toBe('signature');
  });

  it('an HS256 token signed with the PEM text as HMAC secret (key confusion) is refused', async () => {
    const { pem } = await rsaPair();
    const { sim, tag } = await k.sessionChain({ publicKey: pem, algorithms: ['RS256'] });
    const error = await k.refusal(tag, sim, await hsToken(USER, { secret: pem }));
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
    const { sim, tag } = await k.sessionChain({ jwksUrl, algorithms: ['RS256'] });
    const token = await new SignJWT(USER)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    await k.backstop.fallback.run({ tag, input: { amount: 3 }, session: { tag: 'user', token } });
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 3 }]);
  });

  it('refuses as keys-unavailable when the JWKS server is closed', async () => {
    const jwksUrl = await serveJwks([]);
    await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const { sim, tag } = await k.sessionChain({ jwksUrl, algorithms: ['RS256'] });
    const token = await new SignJWT(USER)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
      .setExpirationTime('10m')
      .sign(privateKey);
    const error = await k.refusal(tag, sim, token);
    expect(error.reason).toBe('keys-unavailable');
  });
});
