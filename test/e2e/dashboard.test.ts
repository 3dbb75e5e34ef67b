import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { option } from '../helpers/health-kit.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { type HeadlessChromium, screenshotPath } from './browser.js';
import type { DashboardServer } from './dashboard-server.js';
import { closeDashboard, definePaymentApps, openDashboard } from './payment-dashboard.js';

/** The browser signs in with a read-only key, as an operator would; scripts may hold a write key. */
const KEY = 'e2e-read-key';
const WRITE_KEY = 'e2e-write-key';
const TAG = 'payment-fallback';
/** Every wait on the browser is bounded: a broken page fails the test instead of hanging it. */
const WAIT = { timeout: 15_000 };

/**
 * The dashboard in a real headless Chromium, against a real Redis, a real worker and real HTTP
 * providers: Bull Board shows both queues and the dispatched jobs; the health page shows the
 * primary healthy, then unhealthy once its simulator goes down, without a reload.
 */
describe('dashboard in a browser', () => {
  const prefix = uniquePrefix();
  const sims = new Map<string, ProviderSimulator>();
  let backstop: Backstop;
  let server: DashboardServer;
  let browser: HeadlessChromium;
  let delayedIds: string[] = [];

  beforeAll(async () => {
    backstop = testBackstop({ prefix, circuit: false });
    await definePaymentApps(backstop, sims);
    await backstop.health.create({
      name: 'Stripe Health',
      tag: 'stripe-health',
      app: 'stripe',
      event: 'ping',
      interval: 250,
      retries: 1,
      envs: [{ slug: 'prd', input: {} }],
    });
    await backstop.fallback.create({
      name: 'Payment Provider Fallback',
      description: 'Stripe first, PayPal when Stripe is down',
      tag: TAG,
      options: [option('stripe', { healthcheck: 'stripe-health' }), option('paypal')],
    });
    await backstop.worker();

    const now = await Promise.all([1, 2, 3].map(() => backstop.fallback.dispatch({ tag: TAG })));
    const later = await Promise.all(
      [1, 2].map(() => backstop.fallback.dispatch({ tag: TAG, schedule: { delay: 3_600_000 } })),
    );
    delayedIds = later.map((job) => job.id);
    await until(
      async () =>
        (await Promise.all(now.map((j) => backstop.jobs.get(j.id)))).every((j) => j.state === 'completed'),
      15_000,
      `the three immediate jobs to complete ${JSON.stringify(await Promise.all(now.map((j) => backstop.jobs.get(j.id).then((v) => [v.state, v.runs, v.error]))))}`,
    );

    ({ server, browser } = await openDashboard(
      backstop,
      prefix,
      [
        { key: KEY, scope: 'read', name: 'operator' },
        { key: WRITE_KEY, scope: 'write', name: 'automation' },
      ],
      KEY,
    ));
  });

  afterAll(() => closeDashboard({ browser, server, backstop, sims }));

  it('asks a browser without credentials to sign in', async () => {
    for (const path of ['/dashboard/health', '/dashboard/health.json', '/admin/queues']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toMatch(/^Basic /);
    }
  });

  it('shows both queues and the dispatched jobs in Bull Board, read-only', { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/admin/queues`);
    // One card per queue (Bull Board's class names carry a build hash, hence the substring match).
    const cards = page.locator('[class*="queueCard"]');
    const card = (queue: string) => cards.filter({ has: page.locator(`a[title="${queue}"]`) });
    await card('healthchecks (probes)')
      .getByText(/^\d+ Jobs$/)
      .waitFor(WAIT);
    await card('my-product').getByText('5 Jobs', { exact: true }).waitFor(WAIT); // 3 completed, 2 delayed
    expect((await cards.locator('a[title]').allInnerTexts()).sort()).toEqual([
      'healthchecks (probes)',
      'my-product',
    ]);
    await page.screenshot({ path: screenshotPath('queues-overview'), fullPage: true });

    await page.goto(`${server.url}/admin/queues/queue/my-product?status=delayed`);
    const tab = (status: string) => page.locator(`a[href$="/queue/my-product?status=${status}"]`);
    await tab('delayed').getByText('2', { exact: true }).waitFor(WAIT);
    await tab('completed').getByText('3', { exact: true }).waitFor(WAIT);
    const jobs = page.locator('a[href*="/queue/my-product/"]');
    await jobs.nth(1).waitFor(WAIT);
    // Ids name their queue (`my-product.<uuid>`); Bull Board shows such an id alone on the card.
    const texts = (await jobs.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    expect(texts).toHaveLength(2);
    for (const id of delayedIds) expect(texts.some((t) => t.includes(id))).toBe(true);
    await page.getByText('Will run at').first().waitFor(WAIT);
    // Read-only: no action buttons for the delayed jobs.
    expect(await page.getByRole('button', { name: /promote|retry|clean|remove/i }).count()).toBe(0);
    await page.screenshot({ path: screenshotPath('queue-my-product-delayed'), fullPage: true });

    // The probe queue's page is `probes:healthchecks` (a product may be called `healthchecks`
    // too); the board's own links spell it encoded.
    await page.goto(`${server.url}/admin/queues/queue/probes:healthchecks?status=completed`);
    await page.locator('a[href*="/queue/probes%3Ahealthchecks/"]').first().waitFor(WAIT);
    // One job a round, named with what it found (probe-rounds.ts): stripe-health is the only member.
    await page
      .getByText(/^round\.250ms · 1 probe · 1 passed/)
      .first()
      .waitFor(WAIT);
    await page.close();

    // Actions are refused at every layer: a read-only key may not write (the API's auth); a write
    // key meets the board's read-only mode; and a write from another site is refused whatever the
    // key or mode (CSRF with the browser's remembered credentials).
    const promote = `${server.url}/admin/queues/api/queues/my-product/promote`;
    const { request } = browser.context;
    expect((await request.put(promote)).status()).toBe(403);
    const bearer = { authorization: `Bearer ${WRITE_KEY}` };
    expect((await request.put(promote, { headers: bearer })).status()).toBe(405);
    const foreign = await request.put(promote, { headers: { ...bearer, origin: 'https://evil.example' } });
    expect(foreign.status()).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'BACKSTOP_FORBIDDEN', message: /same origin/ });
    for (const id of delayedIds) expect((await backstop.jobs.get(id)).state).toBe('delayed');
  });

  it("tells a completed job's run in its Logs tab", { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    const [done] = await backstop.jobs.list({ state: 'completed' });
    await page.goto(`${server.url}/admin/queues/queue/my-product/${done!.id}`);
    await page
      .getByRole('button', { name: 'Logs' })
      .or(page.getByText('Logs', { exact: true }))
      .first()
      .click();
    await page.getByText(/served by stripe after 1 attempt in/).waitFor(WAIT);
    await page.getByText(/stripe attempt 1: success in/).waitFor(WAIT);
    await page.screenshot({ path: screenshotPath('job-logs'), fullPage: true });
    await page.close();
  });

  it('shows provider health and turns the primary unhealthy live, without a reload', {
    timeout: 60_000,
  }, async () => {
    const page = await browser.context.newPage();
    const loads: string[] = [];
    page.on('load', () => loads.push(page.url()));
    await page.goto(`${server.url}/dashboard/health`);
    const card = page.locator(`section[data-fallback="my-product/${TAG}"]`);
    const row = (provider: string) => card.locator(`tr[data-provider="${provider}"]`);
    const status = (provider: string, text: string) =>
      row(provider).locator('.badge').getByText(text, { exact: true });

    await status('stripe', 'healthy').waitFor(WAIT);
    await status('paypal', 'unknown').waitFor(WAIT);
    await card.getByRole('heading', { name: 'Payment Provider Fallback' }).waitFor(WAIT);
    const stripeCells = await row('stripe').locator('td').allInnerTexts();
    expect(stripeCells[1]).toContain('stripe');
    expect(stripeCells[4]).toBe('3'); // the three completed jobs, from the last hour's history
    expect(stripeCells[5]).toBe('100%');
    expect(stripeCells[6]).toMatch(/^≤ \d+ m?s$/);
    expect(await page.locator('#live-text').textContent()).toBe('Live');
    expect(await page.getByRole('link', { name: 'Queues' }).getAttribute('href')).toBe('../admin/queues');
    await page.screenshot({ path: screenshotPath('health-healthy'), fullPage: true });
    const json = await (await browser.context.request.get(`${server.url}/dashboard/health.json`)).json();
    expect(json).toMatchObject({ env: 'prd', window_ms: 3_600_000 });
    expect(json.fallbacks[0].providers[0]).toMatchObject({
      position: 1,
      provider: 'stripe',
      healthcheck: 'stripe-health',
      provider_status: 'healthy',
      circuit: 'closed',
      window: { calls: 3, success: 3, failure: 0, skipped: 0, success_rate: 1 },
    });

    // The page polls: take stripe down and watch its badge change in place.
    sims.get('stripe')!.down();
    await status('stripe', 'unhealthy').waitFor(WAIT);
    // Why: the failed probe's own error, read from Redis (kept by the probe that failed).
    await row('stripe')
      .getByText(/last probe failed: HTTP 503/)
      .waitFor(WAIT);
    await page.locator('[data-count="unhealthy"]').getByText('1 unhealthy').waitFor(WAIT);

    // Live traffic now skips stripe and PayPal serves; its calls show up on the page too.
    expect((await backstop.fallback.run({ tag: TAG })).provider).toBe('paypal');
    await row('paypal').locator('td').nth(4).getByText('1', { exact: true }).waitFor(WAIT);
    expect(await row('stripe').locator('td').nth(4).textContent()).toContain('1 skipped');
    // The last hour minute by minute: PayPal's one call shows in the minute it ran, the newest
    // cell, or the one before it when the clock crossed a minute between the call and the poll.
    const paypalMinutes = row('paypal').locator('.minute');
    await paypalMinutes.and(page.locator('[data-minute="good"]')).waitFor(WAIT);
    expect(await paypalMinutes.count()).toBe(60);
    expect(await paypalMinutes.and(page.locator('[data-minute="good"]')).count()).toBe(1);
    const newestTwo = [
      await paypalMinutes.nth(58).getAttribute('data-minute'),
      await paypalMinutes.nth(59).getAttribute('data-minute'),
    ];
    expect(newestTwo).toContain('good');
    expect(loads).toHaveLength(1); // one page load: every change arrived by polling
    await page.screenshot({ path: screenshotPath('health-unhealthy'), fullPage: true });

    // The Queues link leads to Bull Board.
    await page.getByRole('link', { name: 'Queues' }).click();
    // The overview's card and (once rendered) the sidebar both link the queue: either will do.
    await page.locator('a[title="my-product"]').first().waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/admin/queues');
    await page.close();
  });

  it('switches env from the page, keeping the choice in the address', { timeout: 60_000 }, async () => {
    await backstop.health.define({
      tag: 'ledger-health',
      name: 'Ledger',
      interval: 60_000,
      envs: [{ slug: 'prd' }, { slug: 'stg' }],
      handler: async () => {},
    });
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/dashboard/health`);
    const select = page.locator('#env-select');
    await select.waitFor(WAIT); // shown once a healthcheck probes a second env
    expect(await select.locator('option').allInnerTexts()).toEqual(['prd', 'stg']);
    await select.selectOption('stg');
    await page.locator('#env').getByText('stg', { exact: true }).waitFor(WAIT);
    expect(new URL(page.url()).searchParams.get('env')).toBe('stg');
    // Nothing has probed stripe in stg: unknown there, whatever it is in prd.
    const stripe = page.locator(`section[data-fallback="my-product/${TAG}"] tr[data-provider="stripe"]`);
    await stripe.locator('.badge').getByText('unknown', { exact: true }).waitFor(WAIT);
    await page.screenshot({ path: screenshotPath('health-env-stg'), fullPage: true });
    const bad = await browser.context.request.get(
      `${server.url}/dashboard/health.json?env=${encodeURIComponent('x y')}`,
    );
    expect(bad.status()).toBe(400);
    await page.close();
  });
});
