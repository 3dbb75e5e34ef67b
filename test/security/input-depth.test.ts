import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';
import { pathsOf, useApi } from '../http/api-kit.js';
import {
  actionOption,
  CALL_ACTION,
  echoProvider,
  nested,
  nestedArraysText,
  nestedText,
} from './security-kit.js';

/** 5,000 levels in about 30 KB: what used to overflow the stack ("Maximum call stack size exceeded"). */
const DEEP = 5_000;
/** The path of the first level past 64 under `input.x` of a body (the body is level 1). */
const A62 = Array.from({ length: 62 }, () => 'a').join('.');

describe('JSON depth limit over HTTP (default 64)', () => {
  const api = useApi();
  let sim: ProviderSimulator;

  beforeAll(async () => {
    const { call } = api();
    sim = await echoProvider('depth');
    await call('PUT', '/v1/apps/depth', { envs: { prd: { baseUrl: sim.url } }, actions: CALL_ACTION });
    await call('PUT', '/v1/caches/depth-cache', { ttl: 60_000 });
    const created = await call('POST', '/v1/fallbacks', {
      name: 'depth',
      tag: 'depth',
      options: [actionOption('depth')],
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => sim?.close());

  it('answers 400 naming the path, never 500, on dispatch, cached runs, the processor, and definitions', async () => {
    const { call } = api();
    const deep = nestedText(DEEP);
    const cases: [string, string, string, string][] = [
      ['POST', '/v1/fallbacks/depth/dispatch', `{"input":{"x":${deep}}}`, `input.x.${A62}`],
      ['POST', '/v1/fallbacks/depth/run', `{"input":{"x":${deep}},"cache":"depth-cache"}`, `input.x.${A62}`],
      [
        'POST',
        '/v1/processor/fallback/run',
        `{"product_tag":"my-product","fallback_tag":"depth","action":"trigger","cache":"depth-cache","input":{"x":${deep}}}`,
        `input.x.${A62}`,
      ],
      [
        'POST',
        '/v1/fallbacks',
        `{"name":"deep","tag":"deep","options":[{"type":"action","app":"depth","event":"call","input":${nestedText(DEEP, '"$Input{x}"')}}]}`,
        `options[0].input.${Array.from({ length: 61 }, () => 'a').join('.')}`,
      ],
    ];
    for (const [method, url, text, path] of cases) {
      expect(text.length).toBeLessThan(40_000);
      const reply = await call(method as 'POST', url, text);
      expect(reply.status, url).toBe(400);
      expect(reply.body.code).toBe('BACKSTOP_VALIDATION');
      expect(pathsOf(reply), url).toEqual([path]);
      expect(reply.body.issues[0].message).toContain('64');
    }
    expect(sim.calls).toHaveLength(0);
  });

  it('counts arrays too, and takes JSON at the limit', async () => {
    const { call } = api();
    const arrays = await call('POST', '/v1/fallbacks/depth/run', `{"input":{"x":${nestedArraysText(DEEP)}}}`);
    expect(arrays.status).toBe(400);
    expect(pathsOf(arrays)[0]).toMatch(/^input\.x(\[0\]){62}$/);
    // The body is level 1, input level 2: 62 more levels are still accepted.
    const atLimit = await call('POST', '/v1/fallbacks/depth/run', { input: { x: nested(62) } });
    expect(atLimit.status).toBe(200);
  });
});

describe('JSON depth limit set by the operator (BACKSTOP_MAX_JSON_DEPTH)', () => {
  const api = useApi({}, { processEnv: { BACKSTOP_MAX_JSON_DEPTH: '8' } });

  it('applies the configured limit', async () => {
    const { call } = api();
    const reply = await call('POST', '/v1/fallbacks/none/run', { input: { x: nested(7) } });
    expect(reply.status).toBe(400);
    expect(reply.body.issues[0].message).toContain('8');
  });
});

describe('JSON depth limit of library calls', () => {
  it('refuses deep input, definitions and templates with a ValidationError naming the path', async () => {
    const backstop = testBackstop();
    const sim = await echoProvider('lib-depth');
    try {
      await backstop.app.define({
        tag: 'lib-depth',
        envs: { prd: { baseUrl: sim.url } },
        actions: CALL_ACTION,
      });
      await backstop.cache.define({ tag: 'lib-cache', ttl: 60_000 });
      await backstop.fallback.create({ name: 'lib', tag: 'lib', options: [actionOption('lib-depth')] });
      const calls: [string, () => Promise<unknown>][] = [
        ['run', () => backstop.fallback.run({ tag: 'lib', input: { x: nested(DEEP) } })],
        [
          'cached run',
          () => backstop.fallback.run({ tag: 'lib', cache: 'lib-cache', input: { x: nested(DEEP) } }),
        ],
        ['dispatch', () => backstop.fallback.dispatch({ tag: 'lib', input: { x: nested(DEEP) } })],
        [
          'processor',
          () =>
            backstop.processor.fallback.run({
              product_tag: 'my-product',
              fallback_tag: 'lib',
              action: 'trigger',
              cache: 'lib-cache',
              input: { x: nested(DEEP) },
            }),
        ],
        [
          'create',
          () =>
            backstop.fallback.create({
              name: 'deep',
              tag: 'deep-lib',
              options: [actionOption('lib-depth', nested(DEEP, '$Input{x}'))],
            }),
        ],
        [
          'healthcheck',
          () =>
            backstop.health.create({
              name: 'deep',
              tag: 'deep-health',
              url: `${sim.url}/ping`,
              interval: 60_000,
              envs: [{ slug: 'prd', input: { x: nested(DEEP) } }],
            }),
        ],
      ];
      for (const [what, fn] of calls) {
        const error = await rejection(fn());
        expect(error, what).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues[0]!.message, what).toMatch(/deeper than 64/);
      }
      expect(sim.calls).toHaveLength(0);
    } finally {
      await backstop.close();
      await sim.close();
    }
  });
});
