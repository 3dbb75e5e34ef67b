import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { option, PAY_ACTIONS } from '../helpers/health-kit.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { type HeadlessChromium, launchChromium, screenshotPath } from './browser.js';
import { type DashboardServer, startDashboardServer } from './dashboard-server.js';

const READ_KEY = 'board-read-key';
const WRITE_KEY = 'board-write-key';
const TAG = 'payment-fallback';
const WAIT = { timeout: 15_000 };
/** Every button Bull Board shows that would change a queue or a job. */
const WRITE_BUTTONS = /promote|retry|clean|remove|pause|resume|add job|duplicate|empty|obliterate/i;

/**
 * A writable board (as `backstop dev` serves it) in headless Chromium: a write key gets the
 * buttons and its actions work; a read key sees the same jobs without a button that writes, and
 * its writes are refused by the server whatever the page shows.
 */
describe('queues board by key scope', () => {
  const prefix = uniquePrefix();
  let backstop: Backstop;
  let sim: ProviderSimulator;
  let server: DashboardServer;
  let browser: HeadlessChromium;
  let delayedIds: string[] = [];

  beforeAll(async () => {
    backstop = testBackstop({ prefix, circuit: false });
    sim = await ProviderSimulator.start('stripe');
    await backstop.app.define({ tag: 'stripe', envs: { prd: { baseUrl: sim.url } }, actions: PAY_ACTIONS });
    await backstop.fallback.create({ name: 'Payments', tag: TAG, options: [option('stripe')] });
    // No worker: the jobs stay delayed, and a promoted one stays waiting, for the page to show.
    const jobs = await Promise.all(
      [1, 2].map(() => backstop.fallback.dispatch({ tag: TAG, schedule: { delay: 3_600_000 } })),
    );
    delayedIds = jobs.map((job) => job.id);
    server = await startDashboardServer({
      backstop,
      prefix,
      readOnly: false,
      keys: [
        { key: READ_KEY, scope: 'read', name: 'operator' },
        { key: WRITE_KEY, scope: 'write', name: 'admin' },
      ],
    });
    browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await backstop?.close();
    await sim?.close();
  });

  /** HTTP Basic with the key as the password, as a browser signed in with it sends. */
  const signedIn = (key: string) => ({
    authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`,
  });

  /** A page whose every request carries `key`. */
  async function pageWith(key: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.setExtraHTTPHeaders(signedIn(key));
    return page;
  }

  /** The board's queue list as `key` sees it. */
  async function queuesAs(key: string): Promise<{ readOnlyMode: boolean; allowRetries: boolean }[]> {
    const res = await browser.context.request.get(`${server.url}/admin/queues/api/queues`, {
      headers: signedIn(key),
    });
    return (await res.json()).queues;
  }

  async function openDelayed(page: Page): Promise<void> {
    await page.goto(`${server.url}/admin/queues/queue/my-product?status=delayed`);
    await page.locator('a[href*="/queue/my-product/"]').nth(1).waitFor(WAIT);
    await page.getByText('Will run at').first().waitFor(WAIT);
  }

  it('shows a write key the buttons, and its promote works', { timeout: 60_000 }, async () => {
    const page = await pageWith(WRITE_KEY);
    await openDelayed(page);
    await page
      .getByRole('button', { name: /promote/i })
      .first()
      .waitFor(WAIT);
    await page.screenshot({ path: screenshotPath('queues-board-write-key'), fullPage: true });
    expect((await queuesAs(WRITE_KEY)).map((q) => q.readOnlyMode)).toEqual([false, false]);
    await page.close();
  });

  it('shows a read key no button that writes, and refuses its writes', { timeout: 60_000 }, async () => {
    const page = await pageWith(READ_KEY);
    await openDelayed(page);
    expect(await page.getByRole('button', { name: WRITE_BUTTONS }).count()).toBe(0);
    await page.screenshot({ path: screenshotPath('queues-board-read-key'), fullPage: true });
    // The overview has no "pause all" either: every queue reads as read-only.
    await page.goto(`${server.url}/admin/queues`);
    await page.locator('a[title="my-product"]').first().waitFor(WAIT);
    expect(await page.getByRole('button', { name: WRITE_BUTTONS }).count()).toBe(0);
    const queues = await queuesAs(READ_KEY);
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue).toMatchObject({ readOnlyMode: true, allowRetries: false });

    // Server side, whatever the page shows: every kind of write is refused for the read key.
    const api = `${server.url}/admin/queues/api/queues`;
    const { request } = browser.context;
    const headers = signedIn(READ_KEY);
    const writes = [
      request.put(`${api}/my-product/promote`, { headers }),
      request.put(`${api}/my-product/${delayedIds[0]}/promote`, { headers }),
      request.put(`${api}/my-product/${delayedIds[0]}/clean`, { headers }),
      request.put(`${api}/my-product/retry/failed`, { headers }),
      request.put(`${api}/my-product/pause`, { headers }),
      request.put(`${api}/pause`, { headers }),
      request.post(`${api}/my-product/add`, { headers, data: { name: TAG, data: {} } }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status(), res.url()).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'BACKSTOP_FORBIDDEN' });
    }
    for (const id of delayedIds) expect((await backstop.jobs.get(id)).state).toBe('delayed');
    expect(await backstop.jobs.list({ state: 'waiting' })).toHaveLength(0);
    await page.close();

    // The same write with the write key goes through: the refusal was the key's scope.
    const done = await request.put(`${api}/my-product/${delayedIds[0]}/promote`, {
      headers: signedIn(WRITE_KEY),
    });
    expect(done.status()).toBe(204);
    expect((await backstop.jobs.get(delayedIds[0]!)).state).toBe('waiting');
  });
});
