import { describe, expect, it } from 'vitest';
import { loadConfig, ValidationError } from '../../src/index.js';
import { apiKeysFromEnv, startApiServer } from '../../src/server.js';
import { testBackstop } from '../helpers/redis.js';
import { KEYS, READ_KEY, WRITE_KEY } from './api-kit.js';

describe('startApiServer', () => {
  it('listens on a free port when given 0, serves real HTTP, and closes', async () => {
    const backstop = testBackstop();
    const server = await startApiServer({ backstop, keys: KEYS, port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.url).not.toMatch(/:0$/);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/v1/apps`)).status).toBe(401);
      const bearer = await fetch(`${server.url}/v1/apps`, {
        headers: { authorization: `Bearer ${READ_KEY}` },
      });
      expect(bearer.status).toBe(200);
      expect(await bearer.json()).toEqual({ apps: [] });
      const basic = `Basic ${Buffer.from(`me:${WRITE_KEY}`).toString('base64')}`;
      const created = await fetch(`${server.url}/v1/apps`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({
          tag: 'a',
          envs: { prd: { baseUrl: 'https://a.example' } },
          actions: { x: { method: 'GET', path: '/' } },
        }),
      });
      expect(created.status).toBe(201);
    } finally {
      await server.close();
      await backstop.close();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('apiKeysFromEnv', () => {
  it('parses name:key:scope entries; a key may hold colons', () => {
    expect(apiKeysFromEnv('ci:s3cr3t:write, grafana:a:b:c:read,')).toEqual([
      { name: 'ci', key: 's3cr3t', scope: 'write' },
      { name: 'grafana', key: 'a:b:c', scope: 'read' },
    ]);
  });

  it('names BACKSTOP_API_KEYS and the entry on a bad value, never the key', () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'BACKSTOP_API_KEYS'],
      ['  ', 'BACKSTOP_API_KEYS'],
      ['ci:topsecret', 'BACKSTOP_API_KEYS[0]'],
      ['ci:topsecret:admin', 'BACKSTOP_API_KEYS[0]'],
      ['ci:topsecret:write,:topsecret2:read', 'BACKSTOP_API_KEYS[1]'],
      ['ci:topsecret:write,ci:topsecret2:read', 'BACKSTOP_API_KEYS[1].name'],
      ['ci:topsecret:write,cd:topsecret:read', 'BACKSTOP_API_KEYS[1].key'],
      ['c i:topsecret:write', 'BACKSTOP_API_KEYS[0].name'],
    ];
    for (const [value, path] of cases) {
      let error: unknown;
      try {
        apiKeysFromEnv(value);
      } catch (caught) {
        error = caught;
      }
      expect(error, String(value)).toBeInstanceOf(ValidationError);
      const { issues, message } = error as ValidationError;
      expect(issues.map((i) => i.path)).toEqual([path]);
      expect(message).toContain('BACKSTOP_API_KEYS');
      expect(message).not.toContain('topsecret');
    }
  });
});

describe('configuration', () => {
  it('has the API settings, with defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      BACKSTOP_API_HOST: '127.0.0.1',
      BACKSTOP_API_PORT: 3000,
      BACKSTOP_RATE_LIMIT_PER_MINUTE: 600,
    });
    expect(config.BACKSTOP_API_KEYS).toBeUndefined();
    const set = loadConfig({
      BACKSTOP_API_PORT: '0',
      BACKSTOP_RATE_LIMIT_PER_MINUTE: '60',
      BACKSTOP_API_KEYS: 'a:b:read',
    });
    expect(set).toMatchObject({
      BACKSTOP_API_PORT: 0,
      BACKSTOP_RATE_LIMIT_PER_MINUTE: 60,
      BACKSTOP_API_KEYS: 'a:b:read',
    });
    expect(() => loadConfig({ BACKSTOP_API_PORT: '70000' })).toThrow(/env\.BACKSTOP_API_PORT/);
    expect(() => loadConfig({ BACKSTOP_RATE_LIMIT_PER_MINUTE: '0' })).toThrow(
      /env\.BACKSTOP_RATE_LIMIT_PER_MINUTE/,
    );
  });
});
