import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { dashboardPlugin } from '../../src/http/dashboard/index.js';
import { type Backstop, FeatureEventTypes } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { type HeadlessChromium, launchChromium } from '../e2e/browser.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { call } from '../http/api-kit.js';
import { actionOption, CALL_ACTION, dumpRedis, echoProvider, recordResponses } from './security-kit.js';

const CANARY = `canary-${randomUUID()}`;
const LITERAL = `sk_live_literal_${randomUUID().replace(/-/g, '')}`;
const WRITE = 'redaction-write-key-0123';
const READ = 'redaction-read-key-0123';

/**
 * A declared secret and a literal header value, sent to providers that echo every request back (in
 * 200s and in 4xx bodies), through runs, cached runs, failures, dispatched jobs, feature jobs and
 * healthchecks. Afterwards neither value is found in the logs, anywhere in Redis, in any API answer
 * or in the dashboard a browser renders; only the providers saw them.
 */
describe('redaction by value: a canary secret reaches its provider and nowhere else', () => {
  const prefix = uniquePrefix();
  const lines: string[] = [];
  let backstop: Backstop;
  let app: FastifyInstance;
  let url: string;
  let responses: string[];
  let browser: HeadlessChromium;
  let ok: ProviderSimulator;
  let failing: ProviderSimulator;
  const pages: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    backstop = testBackstop({
      prefix,
      logger: createLogger('debug', {}, sink),
      secrets: { CANARY_KEY: CANARY },
    });
    ok = await echoProvider('echo-ok');
    failing = await echoProvider('echo-fail', 422);
    const headers = { authorization: 'Bearer $Secret{CANARY_KEY}', 'x-literal': LITERAL };
    for (const [tag, sim] of [
      ['echo-ok', ok],
      ['echo-fail', failing],
    ] as const) {
      await backstop.app.define({ tag, envs: { prd: { baseUrl: sim.url, headers } }, actions: CALL_ACTION });
    }
    const input = { key: '$Secret{CANARY_KEY}', literal: 'x' };
    await backstop.fallback.create({
      name: 'canary',
      tag: 'canary',
      options: [
        actionOption('echo-fail', input),
        actionOption('echo-ok', { ...input, previous: '$Fallback{error}' }),
      ],
    });
    await backstop.fallback.create({
      name: 'fails',
      tag: 'fails',
      options: [actionOption('echo-fail', input)],
    });
    await backstop.cache.define({ tag: 'canary-cache', ttl: 60_000 });
    await backstop.features.create({
      tag: 'canary-feature',
      name: 'canary feature',
      events: [
        { type: FeatureEventTypes.ACTION, app: 'echo-ok', event: 'call', tag: 'first', input },
        { type: FeatureEventTypes.FALLBACK, event: 'canary', tag: 'second' },
      ],
    });
    await backstop.health.create({
      name: 'canary health',
      tag: 'canary-health',
      app: 'echo-fail',
      event: 'call',
      interval: 200,
      retries: 1,
      envs: [{ slug: 'prd', input: { key: 'literal-input' } }],
    });
    await backstop.worker();

    app = await buildApp({
      backstop,
      keys: [
        { key: WRITE, scope: 'write', name: 'ops' },
        { key: READ, scope: 'read', name: 'viewer' },
      ],
      plugins: [dashboardPlugin({ backstop, prefix })],
    });
    responses = recordResponses(app);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium({ httpCredentials: { username: 'ops', password: READ } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await backstop?.close();
    await ok?.close();
    await failing?.close();
  });

  it('runs, fails, caches and dispatches with the secret sent to providers', {
    timeout: 60_000,
  }, async () => {
    const run = await call(app, 'POST', '/v1/fallbacks/canary/run', {}, WRITE);
    expect(run.status).toBe(200);
    // The echo came back, redacted: this test exercises the leak, not an empty path.
    expect(run.text).toContain('[redacted]');
    expect((await call(app, 'POST', '/v1/fallbacks/fails/run', {}, WRITE)).status).toBe(502);
    for (let i = 0; i < 2; i++) {
      const cached = await call(app, 'POST', '/v1/fallbacks/canary/run', { cache: 'canary-cache' }, WRITE);
      expect(cached.status).toBe(200);
    }
    const jobs: string[] = [];
    for (const [path, body] of [
      ['/v1/fallbacks/canary/dispatch', {}],
      ['/v1/fallbacks/fails/dispatch', {}],
      ['/v1/fallbacks/canary/dispatch', { cache: 'canary-cache' }],
      ['/v1/features/canary-feature/dispatch', {}],
    ] as const) {
      const handle = await call(app, 'POST', path, body, WRITE);
      expect(handle.status, path).toBe(202);
      jobs.push(handle.body.id);
    }
    expect((await call(app, 'POST', '/v1/features/canary-feature/run', {}, WRITE)).status).toBe(200);
    for (const id of jobs) {
      await until(async () => ['completed', 'failed'].includes((await backstop.jobs.get(id)).state), 20_000);
      for (const key of [READ, WRITE])
        expect((await call(app, 'GET', `/v1/jobs/${id}`, undefined, key)).status).toBe(200);
    }
    await until(
      async () => (await backstop.health.status('canary-health')).consecutive_failures >= 2,
      10_000,
    );

    // Providers did get the values.
    expect(JSON.stringify(ok.calls)).toContain(CANARY);
    expect(JSON.stringify(ok.calls)).toContain(LITERAL);
    expect(JSON.stringify(failing.calls)).toContain(CANARY);
  });

  it('shows app header names, never their values, to read and write keys', async () => {
    for (const key of [READ, WRITE]) {
      for (const path of ['/v1/apps', '/v1/apps/echo-ok']) {
        const reply = await call(app, 'GET', path, undefined, key);
        expect(reply.status).toBe(200);
        expect(reply.text).toContain('x-literal');
        expect(reply.text).not.toContain(LITERAL);
        expect(reply.text).not.toContain('$Secret{CANARY_KEY}');
      }
    }
    // A masked definition sent back does not overwrite the real values.
    const masked = (await call(app, 'GET', '/v1/apps/echo-ok', undefined, WRITE)).body.definition;
    const put = await call(app, 'PUT', '/v1/apps/echo-ok', masked, WRITE);
    expect(put.status).toBe(400);
    expect(put.body.issues[0].path).toBe('envs.prd.headers.authorization');
  });

  it('renders the dashboard without them', { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    for (const status of ['completed', 'failed']) {
      await page.goto(`${url}/admin/queues/queue/my-product?status=${status}`);
      await page.locator('a[href*="/queue/my-product/"]').first().waitFor({ timeout: 15_000 });
      pages.push(await page.content());
      const api = await browser.context.request.get(
        `${url}/admin/queues/api/queues?activeQueue=my-product&status=${status}&page=1&jobsPerPage=50`,
      );
      pages.push(await api.text());
    }
    await page.goto(`${url}/dashboard/health`);
    await page.locator('section[data-fallback]').first().waitFor({ timeout: 15_000 });
    pages.push(await page.content());
    await page.close();
    expect(pages.join('\n')).toContain('canary');
  });

  it('leaves no trace in logs, Redis, API answers or pages', async () => {
    for (const path of ['/v1/fallbacks', '/v1/features', '/v1/healthchecks', '/metrics', '/v1/schedules']) {
      expect((await call(app, 'GET', path, undefined, READ)).status, path).toBe(200);
    }
    const redis = rawRedis();
    try {
      const dump = await dumpRedis(redis, prefix);
      expect(dump.length).toBeGreaterThan(1_000);
      expect(lines.length).toBeGreaterThan(5);
      for (const [where, text] of [
        ['logs', lines.join('')],
        ['redis', dump],
        ['api', responses.join('\n')],
        ['dashboard', pages.join('\n')],
      ] as const) {
        expect(text.includes(CANARY), `${where} holds the secret`).toBe(false);
        // A literal header value is configuration: it lives in its app's definition and nowhere else.
        const holders = where === 'redis' ? text.split('\n').filter((l) => l.includes(LITERAL)) : [text];
        const allowed = where === 'redis' ? [`${prefix}:app:echo-ok`, `${prefix}:app:echo-fail`] : [];
        for (const holder of holders.filter((h) => h.includes(LITERAL))) {
          expect(allowed, `${where} holds the literal header value`).toContain(holder.split(' => ')[0]);
        }
      }
    } finally {
      redis.disconnect();
    }
  });
});
