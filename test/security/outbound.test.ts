import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FallbackRunError, ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';
import { pathsOf, useApi } from '../http/api-kit.js';
import { actionOption, CALL_ACTION, echoProvider } from './security-kit.js';

const app = (baseUrl: string) => ({ envs: { prd: { baseUrl } }, actions: CALL_ACTION });
const healthcheck = (url: string) => ({
  name: 'probe',
  url,
  interval: 60_000,
  envs: [{ slug: 'prd' }],
});

/** Cloud metadata services and link-local addresses, in the spellings URL parsers accept. */
const REFUSED = [
  'http://169.254.169.254/latest/meta-data/',
  'http://169.254.170.2/v2/credentials',
  'http://[fe80::1]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fd00:ec2::254]/',
  'http://100.100.100.200/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://0251.0376.0251.0376/',
  'http://0xa9fea9fe/',
  'http://0.0.0.0:6379/',
];

describe('outbound allow-list: defaults (any public host, loopback allowed, link-local and metadata refused)', () => {
  const api = useApi();

  it('refuses apps and URL healthchecks that point at metadata or link-local addresses, naming the field', async () => {
    const { call } = api();
    for (const [i, url] of REFUSED.entries()) {
      const created = await call('PUT', `/v1/apps/meta-${i}`, app(url));
      expect(created.status, url).toBe(400);
      expect(pathsOf(created), url).toEqual(['envs.prd.baseUrl']);
      const probe = await call('POST', '/v1/healthchecks', { tag: `meta-${i}`, ...healthcheck(url) });
      expect(probe.status, url).toBe(400);
      expect(pathsOf(probe), url).toEqual(['url']);
    }
  });

  it('allows loopback (local development and tests) and public hosts', async () => {
    const { call } = api();
    expect((await call('PUT', '/v1/apps/local', app('http://127.0.0.1:6380'))).status).toBe(201);
    expect((await call('PUT', '/v1/apps/public', app('https://api.stripe.com'))).status).toBe(201);
  });
});

describe('outbound allow-list: set by the operator', () => {
  const URL_OF_PROVIDER = 'PROVIDER_URL';
  let sim: ProviderSimulator;
  // Before the Backstop is made: it reads its secrets once, when it is constructed.
  beforeAll(async () => {
    sim = await echoProvider('behind-dns');
  });
  const api = useApi(
    {},
    {
      processEnv: {
        // `localhost` is listed by name: what it resolves to is still checked.
        BACKSTOP_OUTBOUND_ALLOW: 'api.stripe.com,*.paypal.com,10.0.0.0/8,localhost',
        BACKSTOP_OUTBOUND_LOOPBACK: 'deny',
        BACKSTOP_SECRETS: URL_OF_PROVIDER,
        // Where the provider is is known only when the call is made (a secret base URL).
        get [URL_OF_PROVIDER]() {
          return sim?.url.replace('127.0.0.1', 'localhost');
        },
      },
    },
  );
  afterAll(async () => sim?.close());

  it('takes listed hosts, wildcards and CIDRs, and refuses the rest and loopback at create time', async () => {
    const { call } = api();
    for (const url of ['https://api.stripe.com', 'https://api-m.paypal.com/v2', 'http://10.1.2.3:8080']) {
      expect((await call('PUT', `/v1/apps/ok-${url.length}`, app(url))).status, url).toBe(201);
    }
    for (const url of [
      'https://api.square.com',
      'https://paypal.com.evil.example',
      'http://127.0.0.1:6379',
      'http://[::1]/',
      'http://192.168.1.1',
    ]) {
      const reply = await call('PUT', `/v1/apps/no-${url.length}`, app(url));
      expect(reply.status, url).toBe(400);
      expect(pathsOf(reply)).toEqual(['envs.prd.baseUrl']);
      expect(reply.body.issues[0].message, url).toMatch(/BACKSTOP_OUTBOUND/);
    }
  });

  it('checks again at call time, after DNS: a listed name that resolves to loopback is refused, never called', async () => {
    const { call } = api();
    const created = await call('PUT', '/v1/apps/hidden', app(`$Secret{${URL_OF_PROVIDER}}`));
    expect(created.status).toBe(201);
    await call('POST', '/v1/fallbacks', { name: 'hidden', tag: 'hidden', options: [actionOption('hidden')] });
    const run = await call('POST', '/v1/fallbacks/hidden/run', {});
    expect(run.status).toBe(502);
    expect(run.body.attempts[0].error.message).toMatch(/refused.*loopback/);
    expect(run.body.attempts[0].error.code).toBe('BACKSTOP_TARGET_UNAVAILABLE');
    expect(sim.calls).toHaveLength(0);
  });
});

describe('outbound allow-list of library calls', () => {
  it('applies to app.define, health.create and session JWKS URLs', async () => {
    const backstop = testBackstop({ outbound: { loopback: false } });
    try {
      const cases: [string, () => Promise<unknown>, string][] = [
        ['app', () => backstop.app.define({ tag: 'a', ...app('http://127.0.0.1:1') }), 'envs.prd.baseUrl'],
        [
          'health',
          () => backstop.health.create({ tag: 'h', ...healthcheck('http://169.254.169.254/') }),
          'url',
        ],
        [
          'session',
          async () =>
            backstop.session.define({
              tag: 's',
              jwksUrl: 'http://169.254.169.254/jwks.json',
              algorithms: ['RS256'],
            }),
          'jwksUrl',
        ],
      ];
      for (const [what, fn, path] of cases) {
        const error = await rejection(fn());
        expect(error, what).toBeInstanceOf(ValidationError);
        expect(
          (error as ValidationError).issues.map((i) => i.path),
          what,
        ).toEqual([path]);
      }
    } finally {
      await backstop.close();
    }
  });

  it('refuses at call time what a handler-free chain resolves to, as a failure to fail over from', async () => {
    const sim = await echoProvider('lib-out');
    const backstop = testBackstop({
      outbound: { loopback: false },
      secrets: { HIDDEN_URL: sim.url.replace('127.0.0.1', 'localhost') },
    });
    try {
      await backstop.app.define({ tag: 'hidden', ...app('$Secret{HIDDEN_URL}') });
      await backstop.fallback.create({ name: 'h', tag: 'h', options: [actionOption('hidden')] });
      const error = (await rejection(backstop.fallback.run({ tag: 'h' }))) as FallbackRunError;
      expect(error.code).toBe('BACKSTOP_FALLBACK_EXHAUSTED');
      expect(error.attempts[0]!.error!.message).toMatch(/loopback/);
      expect(sim.calls).toHaveLength(0);
    } finally {
      await backstop.close();
      await sim.close();
    }
  });
});
