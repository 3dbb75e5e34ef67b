import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ValidationError } from '../../src/core/validation-error.js';
import { parseRedisUrl, passwordsOf, redactRedisUrl } from '../../src/redis/redis-url.js';

function issueOf(run: () => unknown): { code: string; path: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const issue = (error as ValidationError).issues[0];
    return { code: (error as ValidationError).code, path: issue?.path ?? '', message: issue?.message ?? '' };
  }
  throw new Error('expected a validation error');
}

describe('Redis addresses: one node, Cluster, Sentinel', () => {
  it('keeps single-node URLs and unix sockets as they are', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({
      kind: 'single',
      url: 'redis://127.0.0.1:6379/2',
    });
    expect(parseRedisUrl('rediss://:pw@cache.example:6380')).toEqual({
      kind: 'single',
      url: 'rediss://:pw@cache.example:6380',
    });
    expect(parseRedisUrl('unix:///run/redis.sock')).toEqual({ kind: 'socket', path: '/run/redis.sock' });
  });

  it('reads a Cluster URL: seed nodes, credentials and TLS', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://app:s%40cret@a:1,b:2')).toMatchObject({
      kind: 'cluster',
      username: 'app',
      password: 's@cret',
      tls: true,
    });
  });

  it('reads a Sentinel URL: sentinels, master name, database and the sentinels’ own password', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2:26380/mymaster/3?sentinelPassword=sp')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      db: 3,
      password: 'pw',
      sentinelPassword: 'sp',
      tls: false,
    });
  });

  it('refuses bad addresses naming the variable, with a stable code', () => {
    expect(issueOf(() => parseRedisUrl('http://x:1'))).toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      path: 'REDIS_URL',
    });
    expect(issueOf(() => parseRedisUrl('redis+sentinel://s1:26379'))).toMatchObject({
      path: 'REDIS_URL',
      message: expect.stringContaining('master name'),
    });
    expect(issueOf(() => parseRedisUrl('redis+cluster://a:1,b'))).toMatchObject({
      message: "expected host:port, got 'b'",
    });
    expect(issueOf(() => parseRedisUrl('redis+cluster://a:1/0'))).toMatchObject({
      message: expect.stringContaining('database 0'),
    });
    expect(issueOf(() => parseRedisUrl('redis://a:1,b:2'))).toMatchObject({
      message: expect.stringContaining('redis+cluster://'),
    });
  });

  it('is checked when the configuration loads, from REDIS_URL or BACKSTOP_REDIS_CLUSTER_NODES', () => {
    expect(issueOf(() => loadConfig({ REDIS_URL: 'localhost:6379' }))).toMatchObject({
      path: 'env.REDIS_URL',
    });
    expect(loadConfig({ BACKSTOP_REDIS_CLUSTER_NODES: 'a:7000, b:7001' }).REDIS_URL).toBe(
      'redis+cluster://a:7000,b:7001',
    );
    expect(issueOf(() => loadConfig({ BACKSTOP_REDIS_CLUSTER_NODES: 'a' }))).toMatchObject({
      path: 'env.BACKSTOP_REDIS_CLUSTER_NODES',
    });
    expect(
      issueOf(() => loadConfig({ REDIS_URL: 'redis://a:1', BACKSTOP_REDIS_CLUSTER_NODES: 'a:7000' })),
    ).toMatchObject({ path: 'env.BACKSTOP_REDIS_CLUSTER_NODES' });
  });

  it('knows every password an address carries, and hides them', () => {
    const url = 'redis+sentinel://:pw@s1:26379/m?sentinelPassword=sp';
    expect(passwordsOf(url)).toEqual(['pw', 'sp']);
    expect(redactRedisUrl(url)).toBe('redis+sentinel://:***@s1:26379/m?sentinelPassword=***');
    expect(passwordsOf('redis://:pw@h:1')).toEqual(['pw']);
  });
});
