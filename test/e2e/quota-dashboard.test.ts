import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backstop } from '../../src/index.js';
import { seeded } from '../helpers/idempotent-provider.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';
import { type HeadlessChromium, launchChromium, screenshotPath } from './browser.js';
import { type DashboardServer, startDashboardServer } from './dashboard-server.js';

const KEY = 'e2e-quota-read-key';
const WAIT = { timeout: 15_000 };

/** The health page in a real headless Chromium shows each quota's weights against the share served. */
describe('quotas on the health page', () => {
  const prefix = uniquePrefix();
  let backstop: Backstop;
  let server: DashboardServer;
  let browser: HeadlessChromium;

  beforeAll(async () => {
    backstop = testBackstop({ prefix, random: seeded(8) });
    for (const app of ['twilio', 'vonage', 'sinch'])
      backstop.handlers.register(app, 'send', async () => ({ id: `${app}-1` }));
    await backstop.quota.create({
      name: 'SMS by quota',
      tag: 'sms-quota',
      options: [
        { type: 'action', app: 'twilio', event: 'send', quota: 3 },
        { type: 'action', app: 'vonage', event: 'send', quota: 1 },
        { type: 'action', app: 'sinch', event: 'send', quota: 0 },
      ],
    });
    for (let i = 0; i < 40; i++) await backstop.quota.run({ tag: 'sms-quota', input: {} });
    server = await startDashboardServer({
      backstop,
      prefix,
      keys: [{ key: KEY, scope: 'read', name: 'operator' }],
    });
    browser = await launchChromium({ httpCredentials: { username: 'ops', password: KEY } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await backstop?.close();
  });

  it("shows each provider's weight, the share it asks for and the share it served", {
    timeout: 60_000,
  }, async () => {
    const status = await backstop.quota.status({ tag: 'sms-quota' });
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/dashboard/health`);
    const card = page.locator('section[data-quota="my-product/sms-quota"]');
    await card.getByRole('heading', { name: 'SMS by quota' }).waitFor(WAIT);
    for (const p of status.providers) {
      const cells = await card.locator(`tr[data-provider="${p.name}"] td`).allInnerTexts();
      expect(cells).toEqual([
        p.name,
        String(p.weight),
        `${(p.expected * 100).toFixed(1)} %`,
        `${(p.share * 100).toFixed(1)} %`,
        String(p.uses),
        p.status,
      ]);
    }
    expect(status.providers.map((p) => p.uses).reduce((a, n) => a + n, 0)).toBe(40);
    expect(await card.locator('tr[data-provider="sinch"] td').last().textContent()).toBe('drained');
    // A drill in force is marked on the page as a drill, not left to look like an outage.
    await backstop.health.drill({ provider: 'twilio', mode: 'down', duration: 600_000 });
    await page
      .locator('#drills [data-drill="twilio"]')
      .getByText(/Drill in force: provider twilio down in prd/)
      .waitFor(WAIT);
    await page.screenshot({ path: screenshotPath('health-quota'), fullPage: true });
    await page.close();
  });
});
