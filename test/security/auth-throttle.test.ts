import { describe, expect, it } from 'vitest';
import { READ_KEY, useApi, WRITE_KEY } from '../http/api-kit.js';

/** Wrong keys from one address are throttled before any key is looked up. */
describe('auth failure throttling per client address', () => {
  const api = useApi({ authFailuresPerMinute: 5 });

  const attempt = (key: string, remoteAddress: string) =>
    api().app.inject({
      method: 'GET',
      url: '/v1/apps',
      remoteAddress,
      headers: { authorization: `Bearer ${key}` },
    });

  it('answers 429 with Retry-After once an address used its failures, even to a right key', async () => {
    const guesser = '203.0.113.7';
    for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`, guesser)).statusCode).toBe(401);
    const throttled = await attempt('guess-5', guesser);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({ code: 'BACKSTOP_RATE_LIMITED' });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(throttled.body).not.toContain('guess-5');
    // A right key guessed during the lockout is not even looked up.
    expect((await attempt(WRITE_KEY, guesser)).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await attempt(READ_KEY, '198.51.100.9')).statusCode).toBe(200);
    expect((await attempt('wrong', '198.51.100.9')).statusCode).toBe(401);
  });

  it('does not count requests that send no key (a browser before its login prompt)', async () => {
    const browser = '203.0.113.8';
    for (let i = 0; i < 10; i++) {
      const response = await api().app.inject({ method: 'GET', url: '/v1/apps', remoteAddress: browser });
      expect(response.statusCode).toBe(401);
    }
    expect((await attempt(READ_KEY, browser)).statusCode).toBe(200);
  });
});

describe('auth failure throttling behind a trusted proxy', () => {
  const api = useApi({ authFailuresPerMinute: 2, trustProxy: ['10.0.0.1'] });

  const attempt = (key: string, client: string, remoteAddress = '10.0.0.1') =>
    api().app.inject({
      method: 'GET',
      url: '/v1/apps',
      remoteAddress,
      headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': client },
    });

  it("counts each client behind the gateway apart, and believes no other proxy's header", async () => {
    for (let i = 0; i < 2; i++) expect((await attempt('wrong', '192.0.2.1')).statusCode).toBe(401);
    expect((await attempt('wrong', '192.0.2.1')).statusCode).toBe(429);
    // Another client behind the same gateway is not locked out by the first.
    expect((await attempt(READ_KEY, '192.0.2.2')).statusCode).toBe(200);
    // An untrusted peer cannot pick a fresh address per guess with X-Forwarded-For.
    for (let i = 0; i < 2; i++)
      expect((await attempt('wrong', `198.18.0.${i}`, '203.0.113.50')).statusCode).toBe(401);
    expect((await attempt('wrong', '198.18.0.9', '203.0.113.50')).statusCode).toBe(429);
  });
});
