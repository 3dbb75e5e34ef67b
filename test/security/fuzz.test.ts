import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { type Backstop, FeatureEventTypes } from '../../src/index.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop } from '../helpers/redis.js';
import { KEYS, READ_KEY, WRITE_KEY } from '../http/api-kit.js';
import { arbitraryOf, oddValue } from './schema-arbitrary.js';
import { actionOption, CALL_ACTION, echoProvider } from './security-kit.js';

type Json = Record<string, unknown>;

/**
 * How long the property runs: bounded, so that `npm test` stays quick. The seed is fresh each run
 * (more ground covered over many runs); a failure prints it with the shrunk request, to replay.
 */
const TIME_LIMIT_MS = 25_000;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  spec: Json;
}

interface Request {
  op: Operation;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  key: string;
}

/**
 * A property over every operation of the OpenAPI document: requests generated from each route's
 * own parameter and body schemas (mostly valid, odd values mixed in at every level), sent with real
 * fixtures behind them (an app on a loopback provider, a fallback, a feature, a cache, a
 * healthcheck) so that many reach deep validation and real runs. Every answer must be one the
 * document lists for that operation, with a body its schema accepts, and never a 5xx the client
 * caused (a run's 502 is its providers' doing, and documented).
 */
describe('fuzzing every route from the OpenAPI document', () => {
  let backstop: Backstop;
  let app: FastifyInstance;
  let sim: ProviderSimulator;
  let doc: Json;
  let ajv: Ajv2020;

  /** The fixtures as they should be; DELETE, PUT and PATCH requests change them, so they are put back often. */
  async function fixtures(): Promise<void> {
    await backstop.app.define({ tag: 'fz', envs: { prd: { baseUrl: sim.url } }, actions: CALL_ACTION });
    await backstop.cache.define({ tag: 'fz', ttl: 60_000 });
    const fallback = {
      name: 'fz',
      tag: 'fz',
      input: { n: { type: 'number' as const, required: false } },
      options: [actionOption('fz', { n: '$Input{n}' }, { timeout: 2_000 })],
    };
    await backstop.fallback.create(fallback).catch(() => backstop.fallback.update('fz', fallback));
    const feature = {
      tag: 'fz',
      name: 'fz',
      events: [{ type: FeatureEventTypes.FALLBACK, event: 'fz', tag: 'pay' }],
    };
    await backstop.features.create(feature).catch(() => backstop.features.update('fz', feature));
    const healthcheck = {
      name: 'fz',
      tag: 'fz',
      url: `${sim.url}/ping`,
      interval: 60_000,
      envs: [{ slug: 'prd' }],
    };
    await backstop.health.create(healthcheck).catch(() => backstop.health.update('fz', healthcheck));
  }

  beforeAll(async () => {
    backstop = testBackstop();
    sim = await echoProvider('fuzz');
    await fixtures();
    app = await buildApp({ backstop, keys: KEYS, rateLimitPerMinute: 1_000_000, bodyLimitBytes: 16_384 });
    const response = await app.inject({ method: 'GET', url: '/openapi.json', headers: auth(WRITE_KEY) });
    doc = response.json() as Json;
    ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    // A CommonJS default export: what `import` gives differs between tsc and the test runner.
    const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (
      a: Ajv2020,
    ) => void;
    addFormats(ajv);
    // Response schemas refer to the document's components: validate against the document itself.
    ajv.addSchema({ $id: 'openapi', ...doc });
  });
  afterAll(async () => {
    await app?.close();
    await backstop?.close();
    await sim?.close();
  });

  it('answers every generated request as the document says, never with a 500', {
    timeout: 60_000,
  }, async () => {
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(30);
    const statuses = new Map<string, number>();
    let sent = 0;
    let validated = 0;
    // The validator resolves the document's references (else every body would pass unchecked).
    expect(ajv.compile(rebased({ $ref: '#/components/schemas/Error' }))({})).toBe(false);
    // Built once per operation (schemas compile to arbitraries once), then drawn from evenly.
    const request = fc.oneof(...operations.map((op) => requestOf(op, doc)));
    const details = await fc.check(
      fc.asyncProperty(request, async (r) => {
        if (++sent % 25 === 0) await fixtures();
        const response = await app.inject(toInject(r));
        const where = `${r.op.method.toUpperCase()} ${r.op.path} → ${response.statusCode}`;
        statuses.set(String(response.statusCode), (statuses.get(String(response.statusCode)) ?? 0) + 1);
        expect(response.statusCode, `${where}: ${response.body.slice(0, 300)}`).not.toBe(500);
        // 503 only where the operation itself says so (readiness without a worker): Redis is up.
        const own = (r.op.spec.responses as Json)['503'] as Json | undefined;
        if (!own || own.$ref)
          expect(response.statusCode, `${where}: ${response.body.slice(0, 300)}`).not.toBe(503);
        const documented = responseOf(r.op, response.statusCode, doc);
        expect(documented, `${where} is not documented: ${response.body.slice(0, 300)}`).toBeDefined();
        const schema = (documented?.content as Json | undefined)?.['application/json'] as Json | undefined;
        if (schema?.schema && response.statusCode !== 204) {
          const validate = ajv.compile(rebased(schema.schema));
          const body = response.json();
          validated++;
          expect(
            validate(body),
            `${where}: ${ajv.errorsText(validate.errors)} in ${response.body.slice(0, 400)}`,
          ).toBe(true);
        }
      }),
      {
        numRuns: 1_000_000,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        endOnFailure: true,
        // FUZZ_SEED=<seed> replays a failed run's requests in the same order.
        ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
      },
    );
    // What failed, not only which request: the assertion's own message names status and body.
    const failure = details.errorInstance instanceof Error ? `\n${details.errorInstance.message}` : '';
    expect(details.failed, `${fc.defaultReportMessage(details) ?? ''}${failure}`).toBe(false);
    // Enough requests to mean something, across the answers a client can get.
    // (A busy machine sends fewer: the bound is time, not count.)
    expect(details.numRuns).toBeGreaterThan(100);
    console.info(
      `fuzz: ${details.numRuns} requests (${validated} bodies checked) in ${TIME_LIMIT_MS} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    for (const status of ['200', '400', '404']) expect(statuses.get(status), status).toBeGreaterThan(10);
    expect(validated).toBeGreaterThan(details.numRuns / 2);
  });
});

function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of METHODS) {
      const spec = (item as Json)[method] as Json | undefined;
      if (spec) out.push({ method, path, spec });
    }
  }
  return out;
}

function requestOf(op: Operation, doc: Json): fc.Arbitrary<Request> {
  const parameters = (op.spec.parameters ?? []) as Json[];
  const pathArbs: Record<string, fc.Arbitrary<string>> = {};
  const queryArbs: Record<string, fc.Arbitrary<string>> = {};
  for (const p of parameters) {
    const value = arbitraryOf(p.schema, doc, ['fz', 'prd', 'my-product']).map(asText);
    const known = p.name === 'product' ? 'my-product' : p.name === 'env' ? 'prd' : 'fz';
    if (p.in === 'path') pathArbs[p.name as string] = fc.oneof(fc.constant('fz'), value);
    else if (p.name === 'wait') queryArbs.wait = fc.constantFrom('1', '20', 'x');
    else
      queryArbs[p.name as string] = fc.oneof(
        { weight: 2, arbitrary: fc.constant(known) },
        { weight: 1, arbitrary: value },
      );
  }
  const query = fc
    .tuple(
      fc.record(queryArbs, { requiredKeys: [] }),
      fc.oneof(
        { weight: 7, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'tag', 'limit'), fc.string()) },
      ),
    )
    .map(([known, unknown]) => {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(known)) if (value !== undefined) out[name] = value;
      if (unknown) out[unknown[0]] = unknown[1];
      return out;
    });
  const bodySchema = ((op.spec.requestBody as Json | undefined)?.content as Json | undefined)?.[
    'application/json'
  ] as Json | undefined;
  const body = bodySchema
    ? fc.oneof(
        { weight: 6, arbitrary: arbitraryOf(bodySchema.schema, doc, ['fz', 'prd']) },
        { weight: 1, arbitrary: oddValue() },
      )
    : fc.constant(undefined);
  const key = fc.constantFrom(WRITE_KEY, WRITE_KEY, WRITE_KEY, WRITE_KEY, READ_KEY);
  return fc.record({ op: fc.constant(op), params: fc.record(pathArbs), query, body, key });
}

function toInject(r: Request): InjectOptions {
  const path = r.op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(r.params[name] ?? 'fz'),
  );
  const search = new URLSearchParams(r.query).toString();
  const headers: Record<string, string> = auth(r.key);
  const withBody = r.body !== undefined && r.op.method !== 'get';
  if (withBody) headers['content-type'] = 'application/json';
  return {
    method: r.op.method.toUpperCase() as InjectOptions['method'],
    url: search ? `${path}?${search}` : path,
    headers,
    ...(withBody ? { payload: JSON.stringify(r.body) } : {}),
  };
}

function responseOf(op: Operation, status: number, doc: Json): Json | undefined {
  const responses = op.spec.responses as Json;
  const found = (responses[String(status)] ?? responses.default) as Json | undefined;
  if (!found) return undefined;
  if (typeof found.$ref === 'string') {
    const name = found.$ref.split('/').pop()!;
    return ((doc.components as Json).responses as Json)[name] as Json;
  }
  return found;
}

/** A schema taken out of the document, its `#/…` references pointed back into it. */
function rebased(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema).replace(/"#\//g, '"openapi#/')) as Json;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
