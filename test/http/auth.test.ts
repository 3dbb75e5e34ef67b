import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';
import { call, KEYS, READ_KEY, useApi, WRITE_KEY } from './api-kit.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('API keys', () => {
  const api = useApi();

  it('answers 401 with a Basic challenge without a key or with an unknown one', async () => {
    const { app } = api();
    for (const authorization of [
      undefined,
      'Bearer nope',
      'Bearer ',
      basic('x', 'nope'),
      'Basic !!!',
      'Token x',
    ]) {
      const response = await app.inject({
        method: 'GET',
        url: '/v1/fallbacks',
        headers: authorization ? { authorization } : {},
      });
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="backstop"');
      expect(response.json()).toMatchObject({ code: 'BACKSTOP_UNAUTHORIZED' });
      expect(response.body).not.toContain('nope');
    }
  });

  it('accepts a Bearer key and HTTP Basic with the key as password (or as user name)', async () => {
    const { app } = api();
    for (const authorization of [
      `Bearer ${READ_KEY}`,
      `bearer ${WRITE_KEY}`,
      basic('anyone', READ_KEY),
      basic('', WRITE_KEY),
      basic(READ_KEY, ''),
    ]) {
      const response = await app.inject({ method: 'GET', url: '/v1/fallbacks', headers: { authorization } });
      expect(response.statusCode, authorization).toBe(200);
    }
  });

  it('refuses a read-only key on every mutating method with 403, and lets it read', async () => {
    const { call } = api();
    const attempts: [string, string][] = [
      ['POST', '/v1/fallbacks'],
      ['PATCH', '/v1/fallbacks/x'],
      ['DELETE', '/v1/fallbacks/x'],
      ['POST', '/v1/fallbacks/x/run'],
      ['POST', '/v1/fallbacks/x/dispatch'],
      ['PUT', '/v1/apps/x'],
      ['DELETE', '/v1/jobs/x'],
      ['DELETE', '/v1/schedules/x'],
    ];
    for (const [method, url] of attempts) {
      const reply = await call(method as 'POST', url, {}, READ_KEY);
      expect(reply.status, `${method} ${url}`).toBe(403);
      expect(reply.body.code).toBe('BACKSTOP_FORBIDDEN');
      expect(reply.body.message).toContain("'reader'");
    }
    expect((await call('GET', '/v1/apps', undefined, READ_KEY)).status).toBe(200);
    expect((await call('GET', '/metrics', undefined, READ_KEY)).status).toBe(200);
  });

  it('needs no key for /healthz and /readyz only', async () => {
    const { call } = api();
    expect((await call('GET', '/healthz', undefined, null)).status).toBe(200);
    expect([200, 503]).toContain((await call('GET', '/readyz', undefined, null)).status);
    for (const url of ['/metrics', '/openapi.json', '/v1/schedules', '/v1/jobs/1', '/v1/health/x']) {
      expect((await call('GET', url, undefined, null)).status, url).toBe(401);
    }
  });

  it('checks the keys it is built with, naming the field', async () => {
    const backstop = testBackstop();
    try {
      const cases: [unknown, string][] = [
        [[], 'keys'],
        [[{ key: '', scope: 'write' }], 'keys[0].key'],
        [[{ key: 'a', scope: 'admin' }], 'keys[0].scope'],
        [
          [
            { key: 'a', scope: 'read', name: 'x' },
            { key: 'b', scope: 'read', name: 'x' },
          ],
          'keys[1].name',
        ],
        [
          [
            { key: 'a', scope: 'read' },
            { key: 'a', scope: 'write' },
          ],
          'keys[1].key',
        ],
      ];
      for (const [keys, path] of cases) {
        const error = await rejection(buildApp({ backstop, keys: keys as typeof KEYS }));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.map((i) => i.path)).toContain(path);
      }
      const limits = await rejection(
        buildApp({ backstop, keys: KEYS, rateLimitPerMinute: 0, bodyLimitBytes: -1 }),
      );
      expect((limits as ValidationError).issues.map((i) => i.path)).toEqual([
        'rateLimitPerMinute',
        'bodyLimitBytes',
      ]);
    } finally {
      await backstop.close();
    }
  });
});

describe('rate limiting per API key', () => {
  const api = useApi({ rateLimitPerMinute: 3 });

  it('answers 429 with Retry-After once a key used its minute, and counts each key apart', async () => {
    const { app } = api();
    for (let i = 0; i < 3; i++) expect((await call(app, 'GET', '/v1/apps')).status).toBe(200);
    const limited = await call(app, 'GET', '/v1/apps');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('BACKSTOP_RATE_LIMITED');
    expect(limited.body.message).toContain("'writer'");
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(app, 'GET', '/v1/apps', undefined, READ_KEY)).status).toBe(200);
    // Probes are never limited.
    expect((await call(app, 'GET', '/healthz', undefined, null)).status).toBe(200);
  });
});
