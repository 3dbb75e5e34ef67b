import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { type DashboardServer, startDashboardServer } from '../e2e/dashboard-server.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { actionOption, CALL_ACTION, echoProvider } from './security-kit.js';

const KEY = 'cross-site-write-key-0123';
const basic = `Basic ${Buffer.from(`ops:${KEY}`).toString('base64')}`;

/**
 * What a browser sends for `fetch(api + '/run', { method: 'POST', mode: 'no-cors', credentials:
 * 'include' })` from another site after the operator signed in to the dashboard with Basic auth:
 * the cached credentials, no body, no content type, and the headers that name where it came from.
 */
const CROSS_SITE = {
  authorization: basic,
  origin: 'https://evil.example',
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'no-cors',
  'sec-fetch-dest': 'empty',
};

describe('cross-site requests', () => {
  const prefix = uniquePrefix();
  let backstop: Backstop;
  let server: DashboardServer;
  let sim: ProviderSimulator;

  beforeAll(async () => {
    backstop = testBackstop({ prefix });
    sim = await echoProvider('cross');
    await backstop.app.define({ tag: 'cross', envs: { prd: { baseUrl: sim.url } }, actions: CALL_ACTION });
    await backstop.fallback.create({ name: 'charge', tag: 'charge', options: [actionOption('cross')] });
    server = await startDashboardServer({
      backstop,
      prefix,
      readOnly: false,
      keys: [{ key: KEY, scope: 'write', name: 'operator' }],
    });
  });
  afterAll(async () => {
    await server?.app.close();
    await backstop?.close();
    await sim?.close();
  });

  it("refuses another site's body-less POST to run or dispatch a chain, with the operator's Basic credentials", async () => {
    for (const path of [
      '/v1/fallbacks/charge/run',
      '/v1/fallbacks/charge/dispatch',
      '/v1/fallbacks/charge',
    ]) {
      const method = path.endsWith('charge') ? 'DELETE' : 'POST';
      const response = await fetch(server.url + path, { method, headers: CROSS_SITE });
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('BACKSTOP_FORBIDDEN');
    }
    // Without Sec-Fetch-Site (an older browser), a foreign Origin is refused as well.
    const { 'sec-fetch-site': _s, ...originOnly } = CROSS_SITE;
    expect(
      (await fetch(`${server.url}/v1/fallbacks/charge/run`, { method: 'POST', headers: originOnly })).status,
    ).toBe(403);
    // A sibling site (another port, another subdomain) is another origin too.
    const sameSite = { ...CROSS_SITE, 'sec-fetch-site': 'same-site' };
    expect(
      (await fetch(`${server.url}/v1/fallbacks/charge/run`, { method: 'POST', headers: sameSite })).status,
    ).toBe(403);
    expect(sim.calls).toHaveLength(0);
    expect(await backstop.fallback.fetch('charge')).toMatchObject({ tag: 'charge' });
  });

  it("refuses cross-site writes to the dashboard's queue actions", async () => {
    const response = await fetch(`${server.url}/admin/queues/api/queues/my-product/clean/completed`, {
      method: 'PUT',
      headers: CROSS_SITE,
    });
    expect(response.status).toBe(403);
  });

  it('lets the same origin, and clients that are not browsers, through', async () => {
    const sameOrigin = await fetch(`${server.url}/v1/fallbacks/charge/run`, {
      method: 'POST',
      headers: { authorization: basic, origin: server.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(200);
    const script = await fetch(`${server.url}/v1/fallbacks/charge/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(script.status).toBe(200);
    // Reads from anywhere stay readable only by the page that made them (no CORS): allowed.
    const read = await fetch(`${server.url}/v1/fallbacks`, { headers: CROSS_SITE });
    expect(read.status).toBe(200);
  });
});
