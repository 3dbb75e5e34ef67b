import type { ApiKey } from '../../src/http/app.js';
import type { Backstop } from '../../src/index.js';
import { PAY_ACTIONS } from '../helpers/health-kit.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { type HeadlessChromium, launchChromium } from './browser.js';
import { type DashboardServer, startDashboardServer } from './dashboard-server.js';

/** The two payment apps of the dashboard tests, `stripe` and `paypal`, each on a simulator of its own. */
export async function definePaymentApps(
  backstop: Backstop,
  sims: Map<string, ProviderSimulator>,
): Promise<void> {
  for (const name of ['stripe', 'paypal']) {
    const sim = await ProviderSimulator.start(name);
    sims.set(name, sim);
    await backstop.app.define({ tag: name, envs: { prd: { baseUrl: sim.url } }, actions: PAY_ACTIONS });
  }
}

/** The dashboard served with `keys`, and a Chromium signed in with `readKey`, as an operator would. */
export async function openDashboard(
  backstop: Backstop,
  prefix: string,
  keys: ApiKey[],
  readKey: string,
): Promise<{ server: DashboardServer; browser: HeadlessChromium }> {
  const server = await startDashboardServer({ backstop, prefix, keys });
  const browser = await launchChromium({
    httpCredentials: { username: 'ops', password: readKey },
    viewport: { width: 1440, height: 900 },
  });
  return { server, browser };
}

/** Closes, in order, whatever of these was opened: the browser, the server, the Backstop, the simulators. */
export async function closeDashboard(parts: {
  browser?: HeadlessChromium | undefined;
  server?: DashboardServer | undefined;
  backstop?: Backstop | undefined;
  sims: Map<string, ProviderSimulator>;
}): Promise<void> {
  await parts.browser?.close();
  await parts.server?.app.close();
  await parts.backstop?.close();
  await Promise.all([...parts.sims.values()].map((s) => s.close()));
}
