import { describe, expect, it } from 'vitest';
import { healthReport } from '../../src/http/dashboard/health-report.js';
import { option, PAY_ACTIONS, until } from '../helpers/health-kit.js';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { useApi } from './api-kit.js';

/**
 * Where a provider stands, why and for how long, as every surface shows it: `GET /v1/health/:tag`,
 * the fallback's options, the health page's data and the Prometheus metrics.
 */
describe('provider state on every surface', () => {
  const api = useApi({}, { healthPolicy: { authFailures: 'eject', ejection: { baseMs: 60_000 } } });

  it('shows an ejected provider with its reason and time left, and counts the change', async () => {
    const { backstop, call } = api();
    const sim = (await ProviderSimulator.start('stripe')).always({ kind: 'fail', status: 401 });
    const paypal = await ProviderSimulator.start('paypal');
    try {
      await backstop.app.define({ tag: 'stripe', envs: { prd: { baseUrl: sim.url } }, actions: PAY_ACTIONS });
      await backstop.app.define({
        tag: 'paypal',
        envs: { prd: { baseUrl: paypal.url } },
        actions: PAY_ACTIONS,
      });
      await backstop.fallback.create({
        name: 'Pay',
        tag: 'pay',
        options: [option('stripe'), option('paypal')],
      });
      expect((await backstop.fallback.run({ tag: 'pay' })).provider).toBe('paypal');
      await until(
        () =>
          backstop.healthView.peek({ product: 'my-product', env: 'prd', healthcheck: 'stripe' })
            ?.health_state === 'ejected',
      );

      const status = await call('GET', '/v1/health/stripe');
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({
        state: 'ejected',
        reason: 'auth',
        alert: true,
        ejections: 1,
        provider_status: 'unhealthy',
      });
      expect(status.body.time_left_ms).toBeGreaterThan(50_000);

      const fetched = await call('GET', '/v1/fallbacks/pay');
      expect(fetched.body.options[0]).toMatchObject({ health_state: 'ejected', health_reason: 'auth' });
      expect(fetched.body.options[0].time_left_ms).toBeGreaterThan(50_000);

      const report = await healthReport(backstop, 'prd');
      expect(report.fallbacks[0]!.providers[0]).toMatchObject({
        state: 'ejected',
        reason: 'auth',
        alert: true,
      });

      const metrics = (await call('GET', '/metrics')).text;
      expect(metrics).toContain(
        'backstop_provider_state{product="my-product",env="prd",provider="stripe",state="ejected",reason="auth"} 1',
      );
      expect(metrics).toMatch(
        /backstop_provider_time_left_seconds\{product="my-product",env="prd",provider="stripe"\} 5\d\.\d+/,
      );
      expect(metrics).toContain(
        'backstop_provider_traffic_share{product="my-product",env="prd",provider="stripe"} 0',
      );
      expect(metrics).toContain(
        'backstop_health_changes_total{product="my-product",env="prd",provider="stripe",state="ejected",reason="auth"} 1',
      );
    } finally {
      await sim.close();
      await paypal.close();
    }
  });
});
