import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { InjectOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, WRITE_KEY } from '../http/api-kit.js';
import { actionOption, CALL_ACTION } from './security-kit.js';

const TAG_128 = `t${'x'.repeat(127)}`;
const auth = { authorization: `Bearer ${WRITE_KEY}` };

describe('one error surface', () => {
  const api = useApi({ bodyLimitBytes: 4_096 });

  it('reaches tags of every length the tag schema allows (up to 128)', async () => {
    const { call } = api();
    for (const tag of [`t${'y'.repeat(100)}`, TAG_128]) {
      await call('PUT', `/v1/apps/${tag}`, {
        envs: { prd: { baseUrl: 'http://127.0.0.1:9' } },
        actions: CALL_ACTION,
      });
      expect((await call('GET', `/v1/apps/${tag}`)).status, `${tag.length}`).toBe(200);
      const created = await call('POST', '/v1/fallbacks', {
        name: 'long',
        tag,
        options: [actionOption(tag)],
      });
      expect(created.status).toBe(201);
      for (const path of [`/v1/fallbacks/${tag}`, `/v1/health/${tag}`]) {
        expect((await call('GET', path)).status, `${path.length}`).toBe(200);
      }
      expect((await call('DELETE', `/v1/fallbacks/${tag}`)).status).toBe(204);
    }
    // One past the schema: a 400 naming the parameter, like every other bad tag.
    const tooLong = await call('GET', `/v1/fallbacks/${TAG_128}z`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.issues.map((i: { path: string }) => i.path)).toEqual(['tag']);
  });

  it('answers framework errors with a BACKSTOP_ code and without echoing the request', async () => {
    const { app } = api();
    const marker = 'ECHO-MARKER-<script>';
    const cases: [string, InjectOptions, number, string][] = [
      [
        'long param',
        { method: 'GET', url: `/v1/fallbacks/${'m'.repeat(3_000)}`, headers: auth },
        414,
        'BACKSTOP_URI_TOO_LONG',
      ],
      [
        'bad escape',
        { method: 'GET', url: `/v1/fallbacks/${encodeURIComponent(marker)}%zz`, headers: auth },
        400,
        'BACKSTOP_BAD_REQUEST',
      ],
      ['bad utf-8', { method: 'GET', url: '/v1/jobs/%E0%A4%A', headers: auth }, 400, 'BACKSTOP_BAD_REQUEST'],
      [
        'too large',
        {
          method: 'POST',
          url: '/v1/fallbacks',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: `{"name":"${marker}${'x'.repeat(5_000)}"}`,
        },
        413,
        'BACKSTOP_PAYLOAD_TOO_LARGE',
      ],
      [
        'malformed JSON',
        {
          method: 'POST',
          url: '/v1/fallbacks',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: `{"${marker}":`,
        },
        400,
        'BACKSTOP_VALIDATION',
      ],
      [
        'media type',
        {
          method: 'POST',
          url: '/v1/fallbacks',
          headers: { ...auth, 'content-type': `application/x-${encodeURIComponent(marker)}` },
          payload: marker,
        },
        415,
        'BACKSTOP_UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'unknown route',
        { method: 'GET', url: `/v2/${encodeURIComponent(marker)}`, headers: auth },
        404,
        'BACKSTOP_NOT_FOUND',
      ],
      [
        'unknown method',
        { method: 'PROPFIND' as 'GET', url: `/v1/${encodeURIComponent(marker)}`, headers: auth },
        404,
        'BACKSTOP_NOT_FOUND',
      ],
    ];
    for (const [what, request, status, code] of cases) {
      const response = await app.inject(request);
      expect(response.statusCode, what).toBe(status);
      expect(response.json().code, what).toBe(code);
      expect(response.body, what).not.toContain('ECHO-MARKER');
      expect(response.body, what).not.toContain('mmmmmmmmmm');
      expect(response.headers['content-type'], what).toMatch(/^application\/json/);
    }
  });

  describe('on a listening server', () => {
    let url: string;
    beforeAll(async () => {
      url = await api().app.listen({ host: '127.0.0.1', port: 0 });
    });

    it('answers what Node refuses before routing (a bad request line, oversized headers) in the same shape', async () => {
      const { port } = api().app.server.address() as AddressInfo;
      for (const [what, raw, status] of [
        ['bad request line', 'GET /v1/x ECHO-MARKER\r\n\r\n', 400],
        [
          'headers too large',
          `GET /v1/apps HTTP/1.1\r\nHost: x\r\nx-big: ${'ECHO-MARKER'.repeat(2_000)}\r\n\r\n`,
          431,
        ],
      ] as const) {
        const answer = await rawRequest(port, raw);
        expect(answer, what).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
        expect(JSON.parse(body).code, what).toMatch(/^BACKSTOP_/);
        expect(answer).not.toContain('ECHO-MARKER');
      }
      expect(url).toMatch(/^http:/);
    });
  });
});

describe('OpenAPI document and answers agree', () => {
  const api = useApi();

  it('documents 404 of the processor, 414 of routes with parameters, and UNSUPPORTED in the error shape', async () => {
    const { call } = api();
    const doc = (await call('GET', '/openapi.json')).body;
    const processor = doc.paths['/v1/processor/fallback/run'].post;
    expect(Object.keys(processor.responses)).toContain('404');
    const reply = await call('POST', '/v1/processor/fallback/run', {
      product_tag: 'my-product',
      fallback_tag: 'nope',
      action: 'trigger',
    });
    expect(reply.status).toBe(404);
    expect(Object.keys(doc.paths['/v1/fallbacks/{tag}'].get.responses)).toContain('414');
    // Features are not cached: the request schema does not offer `cache`, and sending it is a
    // validation error in the documented shape.
    for (const path of ['/v1/features/{tag}/run', '/v1/features/{tag}/dispatch']) {
      const schema = doc.paths[path].post.requestBody.content['application/json'].schema;
      expect(Object.keys(schema.properties), path).not.toContain('cache');
    }
    const cached = await call('POST', '/v1/features/any/run', { cache: 'x' });
    expect(cached.status).toBe(400);
    expect(cached.body.issues.map((i: { path: string }) => i.path)).toEqual(['cache']);
  });
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
    socket.setTimeout(5_000, () => socket.destroy());
  });
}
