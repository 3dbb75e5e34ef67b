import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { Backstop, Logger } from '../../src/index.js';
import { testBackstop } from '../helpers/redis.js';
import { call, KEYS, pathsOf, WRITE_KEY } from './api-kit.js';

const auth = { authorization: `Bearer ${WRITE_KEY}` };

/** A logger that keeps what was logged at error level. */
function capturingLogger(errors: { obj: object; msg?: string | undefined }[]): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (obj, msg) => void errors.push({ obj, msg }),
    child: () => logger,
  };
  return logger;
}

describe('errors: one handler maps codes to statuses', () => {
  const logged: { obj: object; msg?: string | undefined }[] = [];
  let backstop: Backstop;
  let app: FastifyInstance;

  beforeAll(async () => {
    backstop = testBackstop({ logger: capturingLogger(logged) });
    const boom = async (scope: FastifyInstance) => {
      scope.get('/test/boom', async () => {
        throw new TypeError('secret internals at /srv/app.js:42');
      });
    };
    app = await buildApp({
      backstop,
      keys: KEYS,
      bodyLimitBytes: 2_048,
      rateLimitPerMinute: 100_000,
      plugins: [boom],
    });
  });
  afterAll(async () => {
    await app.close();
    await backstop.close();
  });

  it('answers 413 with a code for a body over the limit', async () => {
    const reply = await call(app, 'POST', '/v1/fallbacks', { name: 'x'.repeat(4_096) });
    expect(reply.status).toBe(413);
    expect(reply.body).toEqual({
      code: 'BACKSTOP_PAYLOAD_TOO_LARGE',
      message: 'request body is over the limit of 2048 bytes',
    });
  });

  it('answers 400 BACKSTOP_VALIDATION for malformed JSON, and refuses prototype poisoning', async () => {
    for (const text of [
      '{"name":',
      '{name: 1}',
      "{'a':1}",
      '{"__proto__":{"x":1}}',
      '{"a":{"constructor":{"prototype":{}}}}',
    ]) {
      const reply = await call(app, 'POST', '/v1/fallbacks', text);
      expect(reply.status, text).toBe(400);
      expect(reply.body.code).toBe('BACKSTOP_VALIDATION');
      expect(pathsOf(reply)).toEqual(['']);
    }
  });

  it('answers 415 for a body that is not JSON, 400 for text', async () => {
    const xml = await app.inject({
      method: 'POST',
      url: '/v1/fallbacks',
      headers: { ...auth, 'content-type': 'application/xml' },
      payload: '<fallback/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().code).toBe('BACKSTOP_UNSUPPORTED_MEDIA_TYPE');
    const text = await app.inject({
      method: 'POST',
      url: '/v1/fallbacks',
      headers: { ...auth, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(400);
    expect(text.json().issues).toEqual([
      { path: '', message: 'expected a JSON object body, received string' },
    ]);
  });

  it('answers 404 with a code for an unknown route, without echoing it', async () => {
    const reply = await call(app, 'GET', '/v2/nothing?x=1');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      code: 'BACKSTOP_NOT_FOUND',
      message: 'no such route; see GET /openapi.json',
    });
  });

  it('answers an unexpected error with a generic 500, logged with the request id, details withheld', async () => {
    const reply = await call(app, 'GET', '/test/boom');
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({
      code: 'BACKSTOP_INTERNAL',
      message: 'internal error',
      requestId: expect.any(String),
    });
    expect(reply.text).not.toContain('secret');
    const entry = logged.find((l) => (l.obj as { reqId?: string }).reqId === reply.body.requestId);
    expect(entry?.msg).toBe('unexpected error');
    expect((entry!.obj as { err: Error }).err.message).toContain('secret internals');
  });

  it('never answers 500 to garbage a client sends (seeded fuzz over every route)', async () => {
    const random = mulberry32(20_241_122);
    // Real chains and apps under the fuzzed tags, so bodies reach deep validation too.
    for (const [method, url, body] of SETUP) await call(app, method, url, body);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 450; i++) {
      const [method, url, valid] = ROUTES[i % ROUTES.length]!;
      // Two thirds: a valid body with one part broken; one third: garbage throughout.
      const body = i % 3 === 0 ? garbage(random, 0) : mutate(random, structuredClone(valid));
      const reply = await call(app, method, url, JSON.stringify(body) ?? 'null');
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      // A run whose providers fail is a 502, the providers' doing; nothing the client sent is a 500.
      const allowed = url.endsWith('/run') ? [502] : [];
      if (reply.status >= 500)
        expect(allowed, `${method} ${url} ${JSON.stringify(body)?.slice(0, 300)}`).toContain(reply.status);
      if (reply.status >= 400) expect(reply.body.code, `${method} ${url}`).toMatch(/^BACKSTOP_/);
    }
    for (const url of [
      '/v1/fallbacks/%ZZ',
      '/v1/jobs/%00',
      '/v1/health/%E0%A4%A/history',
      `/v1/fallbacks/${'a'.repeat(300)}`,
    ]) {
      expect((await call(app, 'GET', url)).status, url).toBeLessThan(500);
    }
    expect(statuses.get(400)).toBeGreaterThan(150);
  });
});

describe('errors: Redis unavailable', () => {
  let backstop: Backstop;
  let app: FastifyInstance;
  beforeAll(async () => {
    backstop = testBackstop({ redis: 'redis://127.0.0.1:1' });
    app = await buildApp({ backstop, keys: KEYS });
  });
  afterAll(async () => {
    await app.close();
    await backstop.close();
  });

  it('answers 503 BACKSTOP_REDIS_UNAVAILABLE with Retry-After', async () => {
    const reply = await call(app, 'GET', '/v1/apps');
    expect(reply.status).toBe(503);
    expect(reply.body.code).toBe('BACKSTOP_REDIS_UNAVAILABLE');
    expect(reply.headers['retry-after']).toBe('5');
  });
});

type Method = 'POST' | 'PUT' | 'PATCH';

const APP = {
  tag: 'fz',
  envs: { prd: { baseUrl: 'http://127.0.0.1:9' } },
  actions: { a: { method: 'POST', path: '/' } },
};
const FALLBACK = {
  name: 'fz',
  tag: 'fz',
  input: { n: { type: 'number' } },
  options: [
    {
      type: 'action',
      app: 'fz',
      event: 'a',
      input: { n: '$Input{n}' },
      output: { id: '$Response{id}' },
      retries: 0,
      backoff: { type: 'fixed', delay: 0 },
      timeout: 50,
    },
  ],
  errors: { stopOnStatus: [402] },
};
const HEALTHCHECK = {
  name: 'fz',
  tag: 'fz',
  url: 'http://127.0.0.1:9/',
  interval: 60_000,
  envs: [{ slug: 'prd', input: {} }],
};
const SETUP: [Method, string, unknown][] = [
  ['POST', '/v1/apps', APP],
  ['POST', '/v1/fallbacks', FALLBACK],
  ['POST', '/v1/healthchecks', HEALTHCHECK],
];
const ROUTES: [Method, string, unknown][] = [
  ['POST', '/v1/fallbacks', { ...FALLBACK, tag: 'fz2' }],
  ['PATCH', '/v1/fallbacks/fz', { description: 'd', deadline: 1000 }],
  ['POST', '/v1/fallbacks/fz/run', { input: { n: 1 }, env: 'prd', idempotencyKey: 'k' }],
  [
    'POST',
    '/v1/fallbacks/fz/dispatch',
    { input: { n: 1 }, schedule: { delay: '1h', tz: 'UTC' }, jobId: 'j-1' },
  ],
  ['POST', '/v1/apps', { ...APP, tag: 'fz2' }],
  ['PUT', '/v1/apps/fz3', APP],
  ['PATCH', '/v1/apps/fz', { name: 'n', actions: APP.actions }],
  ['POST', '/v1/healthchecks', { ...HEALTHCHECK, tag: 'fz2' }],
  ['PATCH', '/v1/healthchecks/fz', { interval: 30_000, retries: 1 }],
];
const FIELDS = [
  'name',
  'tag',
  'input',
  'options',
  'envs',
  'schedule',
  'jobId',
  'product',
  'env',
  'type',
  'event',
  'x',
];

/** Deterministic PRNG, so a failure is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  2 ** 53 + 1,
  3.5,
  Number.MAX_SAFE_INTEGER,
  '',
  ' ',
  '$Input{',
  '$Input{n.',
  '$Response{x}',
  '$Secret{}',
  '$Fallback{x}',
  '\u0000',
  '🙂'.repeat(5),
  'a'.repeat(500),
  'PT5S',
  '-5s',
  '2001-01-01',
  '* * *',
  {},
  [],
  [[]],
];

function garbage(random: () => number, depth: number): unknown {
  const roll = random();
  if (depth > 3 || roll < 0.6) return pick(random, ODD_VALUES);
  if (roll < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => garbage(random, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++)
    out[pick(random, FIELDS)] = garbage(random, depth + 1);
  return out;
}

/** Replaces, removes or adds one value somewhere inside `value`. */
function mutate(random: () => number, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || random() < 0.25) return garbage(random, 0);
  const container = value as Record<string, unknown>;
  const keys = Object.keys(container);
  const key = keys.length === 0 || random() < 0.15 ? pick(random, FIELDS) : pick(random, keys);
  if (random() < 0.15) delete container[key];
  else container[key] = mutate(random, container[key]);
  return value;
}
