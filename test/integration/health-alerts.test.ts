import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackstopWorker, EventOf } from '../../src/index.js';
import { testBackstop } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

const SECRET = 'alert-secret-0123456789abcdef';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: { team?: string; alert: { id: string; transition: string; healthcheck: string; reason: string } };
}

/** A webhook receiver on loopback that records every request, answering `statuses` in turn, then 200. */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`;
  return { received, url, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** Healthcheck alerts: a probe that fails on command, a receiver on loopback, one alert per transition. */
describe('healthcheck alerts (onFailure)', () => {
  const backstop = testBackstop({ processEnv: { ...process.env, BACKSTOP_ALERT_SECRET: SECRET } });
  const events: EventOf<'health.alert'>[] = [];
  let hook: Awaited<ReturnType<typeof receiver>>;
  let worker: BackstopWorker;
  let down = false;
  let probes = 0;
  const probesFrom = async (n: number) => {
    const start = probes;
    await until(() => probes >= start + n);
  };

  beforeAll(async () => {
    hook = await receiver([500]); // the first delivery fails: the alert is retried
    backstop.on('health.alert', (event) => events.push(event));
    await backstop.health.define({
      name: 'Stripe health',
      tag: 'stripe-health',
      interval: 100,
      retries: 1,
      passes: 1,
      envs: [{ slug: 'prd', input: {} }],
      handler: () => {
        probes++;
        if (down) throw new Error('stripe is down');
      },
      alerts: (ctx) =>
        ctx
          .onFailure()
          .webhook({ url: hook.url, headers: { 'x-team': 'payments' }, body: { team: 'payments' } })
          .emit({ event: 'stripe-down' }),
    });
    worker = await backstop.worker({ fallbacks: false });
    await until(() => backstop.healthView.peek(key())?.provider_status === 'healthy');
  });
  afterAll(async () => {
    await worker?.close();
    await backstop.close();
    await hook?.close();
  });
  const key = () => ({ product: 'my-product', env: 'prd', healthcheck: 'stripe-health' });
  const alerts = () => hook.received.filter((r) => r.raw !== '');
  const ids = () => [...new Set(alerts().map((r) => r.body.alert.id))];

  it('sends one signed alert when the provider goes down, retried until delivered, and none while it stays down', async () => {
    down = true;
    await until(() => alerts().length === 2); // the failed delivery, then its retry
    const [failed, delivered] = alerts();
    expect(failed!.body.alert.id).toBe(delivered!.body.alert.id);
    expect(delivered!.body).toMatchObject({
      team: 'payments',
      alert: { transition: 'unhealthy', healthcheck: 'stripe-health', product: 'my-product', env: 'prd' },
    });
    expect(delivered!.headers['x-team']).toBe('payments');
    expect(delivered!.headers['x-backstop-alert-id']).toBe(delivered!.body.alert.id);
    // The signature: t=<ms>,v1=HMAC-SHA256(secret, "<t>.<body>").
    const signature = String(delivered!.headers['x-backstop-signature']);
    const t = /t=(\d+)/.exec(signature)![1]!;
    const mac = createHmac('sha256', SECRET).update(`${t}.${delivered!.raw}`).digest('hex');
    expect(signature).toBe(`t=${t},v1=${mac}`);

    await probesFrom(10); // ten more failed probes: still one alert
    expect(ids()).toHaveLength(1);
  });

  it('sends one alert when it recovers, and raises both as events on backstop.on', async () => {
    down = false;
    await until(() => ids().length === 2);
    expect(alerts().at(-1)!.body.alert).toMatchObject({
      transition: 'recovered',
      healthcheck: 'stripe-health',
    });
    await probesFrom(10);
    expect(ids()).toHaveLength(2);
    await until(() => events.length === 2);
    expect(events.map((e) => [e.event, e.transition])).toEqual([
      ['stripe-down', 'unhealthy'],
      ['stripe-down', 'recovered'],
    ]);
    expect(events.map((e) => e.id)).toEqual(ids());
  });

  it('keeps a declarative onFailure with the healthcheck', async () => {
    await backstop.health.create({
      name: 'PayPal health',
      tag: 'paypal-health',
      url: 'http://127.0.0.1:1/ping',
      interval: 60_000,
      envs: [{ slug: 'prd', input: {} }],
      onFailure: { webhook: { url: hook.url, method: 'PUT' }, emit: { event: 'paypal-down' } },
    });
    expect((await backstop.health.fetch('paypal-health')).onFailure).toEqual({
      webhook: { url: hook.url, method: 'PUT', headers: {} },
      emit: { event: 'paypal-down' },
    });
  });

  it('refuses a webhook without a URL, naming the field', async () => {
    await expect(
      backstop.health.create({
        name: 'x',
        tag: 'x-health',
        url: 'http://127.0.0.1:1/ping',
        interval: 1000,
        envs: [{ slug: 'prd', input: {} }],
        onFailure: { webhook: {} as { url: string } },
      }),
    ).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      message: expect.stringContaining('onFailure.webhook.url'),
    });
  });
});
