import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { option } from '../helpers/health-kit.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { type HeadlessChromium, screenshotPath } from './browser.js';
import type { DashboardServer } from './dashboard-server.js';
import { closeDashboard, definePaymentApps, openDashboard } from './payment-dashboard.js';

const KEY = 'runs-read-key';
const TAG = 'payment-fallback';
const WAIT = { timeout: 15_000 };

/**
 * The runs view in headless Chromium: synchronous runs and dispatched jobs, one that failed over
 * and one that failed, each with its outcome, serving provider, attempts, duration and lateness;
 * a run's attempt timeline opens under its row; search finds a job by its id.
 */
describe('runs view in a browser', () => {
  const prefix = uniquePrefix();
  const sims = new Map<string, ProviderSimulator>();
  let backstop: Backstop;
  let server: DashboardServer;
  let browser: HeadlessChromium;
  let jobIds: string[] = [];
  let failedOverJob = '';
  let laterJob = '';

  beforeAll(async () => {
    backstop = testBackstop({ prefix, circuit: false });
    await definePaymentApps(backstop, sims);
    await backstop.fallback.create({
      name: 'Payments',
      tag: TAG,
      options: [option('stripe'), option('paypal')],
    });
    await backstop.worker({ healthchecks: false });

    // Two jobs and a synchronous run served by stripe; then stripe answers 503: a job fails over
    // to PayPal; then both are down: a synchronous run fails.
    const first = await Promise.all([1, 2].map(() => backstop.fallback.dispatch({ tag: TAG, input: {} })));
    for (const job of first) await backstop.jobs.wait(job.id, { timeout: 15_000 });
    await backstop.fallback.run({ tag: TAG, input: {} });
    sims.get('stripe')!.down();
    const over = await backstop.fallback.dispatch({ tag: TAG, input: { orderId: 'A-42' } });
    await backstop.jobs.wait(over.id, { timeout: 15_000 });
    failedOverJob = over.id;
    // The same order again, for tomorrow: a job that has not run, found by its input all the same.
    laterJob = (
      await backstop.fallback.dispatch({
        tag: TAG,
        input: { orderId: 'A-42' },
        schedule: { delay: 86_400_000 },
      })
    ).id;
    jobIds = [...first.map((j) => j.id), over.id];
    sims.get('paypal')!.down();
    await expect(backstop.fallback.run({ tag: TAG, input: {} })).rejects.toMatchObject({
      code: 'BACKSTOP_FALLBACK_EXHAUSTED',
    });
    await until(
      async () => (await backstop.recentRuns.list({ product: 'my-product' })).length === 5,
      15_000,
      '5 runs',
    );

    ({ server, browser } = await openDashboard(
      backstop,
      prefix,
      [{ key: KEY, scope: 'read', name: 'operator' }],
      KEY,
    ));
  });

  afterAll(() => closeDashboard({ browser, server, backstop, sims }));

  it('lists every run with outcome, provider, attempts and lateness', { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/dashboard/runs`);
    const rows = page.locator('tr[data-run]');
    await rows.nth(4).waitFor(WAIT);
    expect(await rows.count()).toBe(5);
    const cells = async (i: number) => (await rows.nth(i).locator('td').allInnerTexts()).map((t) => t.trim());
    // Newest first: the failed synchronous run, then the job that failed over.
    const failed = await cells(0);
    expect(failed.slice(1, 6)).toEqual([
      'SYNC',
      TAG,
      'prd',
      expect.stringMatching(/^FAILED\s+BACKSTOP_FALLBACK_EXHAUSTED$/),
      '–',
    ]);
    expect(failed[6]).toMatch(/^2\s*timeline$/);
    const over = await cells(1);
    expect(over.slice(1, 6)).toEqual(['DISPATCHED', TAG, 'prd', 'SUCCESS', 'paypal']);
    expect(over[6]).toMatch(/^2\s*timeline$/);
    expect(over[8]).toMatch(/^\d+ m?s$/); // lateness, for jobs only
    expect(over[9]).toBe(`job #${failedOverJob}`);
    expect((await cells(2))[8]).toBe('–'); // a synchronous run is never late
    expect(await page.locator('#summary').textContent()).toMatch(/4 succeeded\s*1 failed/);
    await page.screenshot({ path: screenshotPath('runs-view'), fullPage: true });

    // The attempt timeline of the job that failed over, without any JSON.
    await rows.nth(1).getByRole('button', { name: 'timeline' }).click();
    const detail = page.locator(`tr[data-detail]`);
    await detail.waitFor(WAIT);
    const lines = (await detail.locator('li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^1\. stripe attempt 1 failure \d+ m?s BACKSTOP_PROVIDER_HTTP \(503\) → \w+$/);
    expect(lines[1]).toMatch(/^2\. paypal attempt 1 success \d+ m?s$/);
    expect(await detail.locator('p').first().textContent()).toMatch(/^Idempotency key [0-9A-Za-z]{21} /);
    // It stays open across polls (the page re-renders every 2 s).
    await page.waitForResponse((res) => res.url().includes('runs.json'));
    await page.waitForResponse((res) => res.url().includes('runs.json'));
    expect(await detail.count()).toBe(1);
    await page.screenshot({ path: screenshotPath('runs-attempt-timeline'), fullPage: true });

    // The job's id links to its page in Bull Board.
    const href = await rows.nth(1).locator('a.id').getAttribute('href');
    expect(href).toBe(`../admin/queues/queue/my-product/${failedOverJob}`);
    await page.close();
  });

  it('finds a job by its id, keeping the search in the address', { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/dashboard/runs`);
    await page.locator('tr[data-run]').nth(4).waitFor(WAIT);
    await page.locator('#search').fill(jobIds[0]!);
    await page
      .locator('tr[data-run]')
      .nth(1)
      .waitFor({ state: 'detached', ...WAIT });
    const only = page.locator('tr[data-run]');
    expect(await only.count()).toBe(1);
    expect(await only.locator('a.id').textContent()).toBe(`job #${jobIds[0]}`);
    expect(new URL(page.url()).searchParams.get('q')).toBe(jobIds[0]);
    await page.screenshot({ path: screenshotPath('runs-search'), fullPage: true });
    // By provider, and the product picker lists the product.
    await page.locator('#search').fill('paypal');
    await page.locator('tr[data-run]').nth(0).getByText('paypal').waitFor(WAIT);
    expect(await page.locator('tr[data-run]').count()).toBe(1);
    expect(await page.locator('#product-select option').allInnerTexts()).toEqual([
      'All products',
      'my-product',
    ]);

    // By an input field: jobs in every state (the one that ran, the one not yet due), and the run.
    await page.locator('#search').fill('orderId=A-42');
    const jobs = page.locator('#jobs tr[data-job]');
    await jobs.nth(1).waitFor(WAIT);
    expect(await page.locator('#jobs-title').textContent()).toBe('2 jobs whose input has orderId = A-42');
    const jobRows = await Promise.all(
      [0, 1].map(async (i) => (await jobs.nth(i).locator('td').allInnerTexts()).map((t) => t.trim())),
    );
    expect(jobRows.map((cells) => cells.slice(0, 6)).sort()).toEqual(
      [
        [`job #${failedOverJob}`, 'COMPLETED', TAG, 'prd', 'paypal', '2'],
        [`job #${laterJob}`, 'DELAYED', TAG, 'prd', '–', '0'],
      ].sort(),
    );
    await page
      .locator('tr[data-run]')
      .nth(1)
      .waitFor({ state: 'detached', ...WAIT });
    expect(await page.locator('tr[data-run] a.id').textContent()).toBe(`job #${failedOverJob}`);
    await page.screenshot({ path: screenshotPath('runs-search-input-field'), fullPage: true });
    await expect(backstop.jobs.list({ input: { 'no spaces': 1 } })).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
    });

    const { request } = browser.context;
    const bad = await request.get(`${server.url}/dashboard/runs.json?limit=0`);
    expect(bad.status()).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'BACKSTOP_VALIDATION' });
    const json = await (await request.get(`${server.url}/dashboard/runs.json?product=my-product`)).json();
    expect(json).toMatchObject({ product: 'my-product', window_ms: 86_400_000, max_per_product: 1_000 });
    expect(json.runs).toHaveLength(5);
    await page.close();
  });

  it("tells in Bull Board's job list who served, in how many calls, how late", {
    timeout: 60_000,
  }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/admin/queues/queue/my-product?status=completed`);
    // The job's title links to its page (with or without a ?status= tail).
    const job = (id: string) =>
      page.locator(`a[href$="/queue/my-product/${id}"], a[href*="/queue/my-product/${id}?"]`).first();
    await job(failedOverJob).waitFor(WAIT);
    // Bull Board shows a long job id alone in a job's header, and its name beside the job's times.
    const summary = (text: string) =>
      page.getByText(new RegExp(`^${TAG} · ${text} · started \\d+ m?s late$`));
    await summary('served by paypal · 2 attempts').waitFor(WAIT);
    expect(await summary('served by stripe · 1 attempt').count()).toBe(2);
    await page.screenshot({ path: screenshotPath('queue-job-list-served-by'), fullPage: true });

    // A job's page (its Data tab): the attempts as lines at the top of its return value, and a
    // link to its run.
    await page.goto(`${server.url}/admin/queues/queue/my-product/${failedOverJob}`);
    await page
      .getByText(/1\. stripe attempt 1: failure BACKSTOP_PROVIDER_HTTP \(503\) in \d+ m?s → \w+/)
      .waitFor(WAIT);
    await page.getByText(/2\. paypal attempt 1: success in \d+ m?s/).waitFor(WAIT);
    const link = page.getByRole('link', { name: /runs view/i });
    expect(await link.getAttribute('href')).toBe(`/dashboard/runs?q=${failedOverJob}`);
    await page.screenshot({ path: screenshotPath('queue-job-attempt-lines'), fullPage: true });
    await page.goto(`${server.url}/dashboard/runs?q=${failedOverJob}`); // the link opens a new tab
    await page.locator('tr[data-run]').first().waitFor(WAIT);
    expect(await page.locator('tr[data-run]').count()).toBe(1);
    await page.close();
  });
});
