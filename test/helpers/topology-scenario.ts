import { expect } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Backstop, type BackstopOptions } from '../../src/index.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { NO_BACKOFF } from './http-chains.js';
import { ProviderSimulator } from './provider-simulator.js';
import { uniquePrefix } from './redis.js';
import { until } from './until.js';

/**
 * The documented subset of behaviour checked on each Redis topology (Cluster, Sentinel): definitions,
 * runs, dispatch with `delay` and `at`, a worker, healthchecks, cached runs with single flight and
 * `cache.clear`, the processor's `reset`. Each step is a function, so a test can force a failover
 * between two of them.
 */
export interface TopologyScenario {
  backstop: Backstop;
  prefix: string;
  stripe: ProviderSimulator;
  paypal: ProviderSimulator;
  status: ProviderSimulator;
  defineChain(): Promise<void>;
  runFailsOver(): Promise<void>;
  dispatchedJobsRun(): Promise<void>;
  healthchecksMark(): Promise<void>;
  cacheSharesAndClears(): Promise<void>;
  processorResets(): Promise<void>;
  close(): Promise<void>;
}

const TAG = 'pay';
const CACHE = 'payments';

export async function topologyScenario(
  redis: string | RedisClient,
  options: BackstopOptions = {},
): Promise<TopologyScenario> {
  const prefix = uniquePrefix();
  const backstop = new Backstop({
    redis,
    prefix,
    product: 'my-product',
    env: 'prd',
    logger: silentLogger,
    circuit: false,
    ...options,
  });
  const stripe = await ProviderSimulator.start('stripe');
  const paypal = await ProviderSimulator.start('paypal');
  const status = await ProviderSimulator.start('status');
  const option = (app: string, extra = {}) => ({
    type: 'action' as const,
    app,
    event: 'charge',
    retries: 0,
    backoff: NO_BACKOFF,
    ...extra,
  });
  const charges = (sim: ProviderSimulator) => sim.calls.filter((c) => c.path === '/charge').length;
  const key = { product: 'my-product', env: 'prd', healthcheck: 'stripe-health' };
  return {
    backstop,
    prefix,
    stripe,
    paypal,
    status,
    async defineChain() {
      for (const sim of [stripe, paypal]) {
        await backstop.app.define({
          tag: sim.name,
          envs: { prd: { baseUrl: sim.url } },
          actions: { charge: { method: 'POST', path: '/charge' } },
        });
      }
      await backstop.health.create({
        name: 'stripe status',
        tag: 'stripe-health',
        url: `${status.url}/status`,
        // A probe's timeout is bounded by its interval: at 200 ms a loaded machine failed probes
        // of a healthy endpoint, and with retries 0 that skipped stripe in the runs that follow.
        interval: 1_000,
        retries: 0,
        envs: [{ slug: 'prd', input: {} }],
      });
      await backstop.fallback.create({
        name: 'Pay',
        tag: TAG,
        options: [option('stripe', { healthcheck: 'stripe-health' }), option('paypal')],
      });
      expect(await backstop.fallback.fetch(TAG)).toMatchObject({ tag: TAG });
      expect((await backstop.fallback.fetchAll()).map((d) => d.tag)).toContain(TAG);
    },
    async runFailsOver() {
      stripe.next({ kind: 'fail', status: 503 });
      expect(await backstop.fallback.run({ tag: TAG })).toMatchObject({ provider: 'paypal' });
      expect(await backstop.fallback.run({ tag: TAG })).toMatchObject({ provider: 'stripe' });
    },
    async dispatchedJobsRun() {
      const delayed = await backstop.fallback.dispatch({ tag: TAG, schedule: { delay: 200 } });
      const at = await backstop.fallback.dispatch({ tag: TAG, schedule: { at: new Date(Date.now() + 200) } });
      for (const job of [delayed, at]) {
        const view = await backstop.jobs.wait(job.id, { timeout: 20_000 });
        expect(view).toMatchObject({ state: 'completed', provider: 'stripe' });
      }
    },
    async healthchecksMark() {
      await until(
        () => backstop.healthView.peek(key)?.provider_status === 'healthy',
        20_000,
        'a passing probe',
      );
      status.down(503);
      await until(
        () => backstop.healthView.peek(key)?.provider_status === 'unhealthy',
        20_000,
        'a failing probe',
      );
      const before = charges(stripe);
      expect(await backstop.fallback.run({ tag: TAG })).toMatchObject({ provider: 'paypal' });
      expect(charges(stripe)).toBe(before);
      status.up();
      await until(() => backstop.healthView.peek(key)?.provider_status === 'healthy', 20_000, 'recovery');
    },
    async cacheSharesAndClears() {
      await backstop.cache.define({ tag: CACHE, ttl: '10m' });
      for (let round = 0; round < 6; round++) {
        const before = charges(stripe);
        stripe.next({ kind: 'stall', ms: 200 });
        const input = { round };
        await Promise.all(
          Array.from({ length: 4 }, () => backstop.fallback.run({ tag: TAG, input, cache: CACHE })),
        );
        expect(charges(stripe) - before).toBe(1);
        // Found wherever the entry lives: never a silent zero from asking one master.
        expect(await backstop.cache.clear({ tag: TAG })).toBe(1);
      }
    },
    async processorResets() {
      await backstop.processor.fallback.run({
        env: 'prd',
        product_tag: 'my-product',
        fallback_tag: TAG,
        action: 'update',
        input: { providers: { stripe: { provider_status: 'unhealthy' } } },
      });
      await backstop.fallback.run({ tag: TAG, input: { amount: 1 }, cache: CACHE });
      await backstop.fallback.run({ tag: TAG, input: { amount: 2 }, cache: CACHE });
      const reset = await backstop.processor.fallback.run({
        env: 'prd',
        product_tag: 'my-product',
        fallback_tag: TAG,
        action: 'reset',
      });
      expect(reset).toMatchObject({ action: 'reset', cacheEntries: 2 });
      expect(await backstop.fallback.run({ tag: TAG, input: { amount: 1 }, cache: CACHE })).toMatchObject({
        provider: 'stripe',
      });
    },
    async close() {
      await backstop.close();
      await Promise.all([stripe.close(), paypal.close(), status.close()]);
    },
  };
}
