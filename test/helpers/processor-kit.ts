import { afterEach, beforeEach, expect } from 'vitest';
import {
  type Backstop,
  type BackstopOptions,
  DataTypes,
  type FallbackDescription,
  type FallbackOption,
  FeatureEventTypes,
  type OperatorInput,
  type ResetResult,
  type UpdateResult,
  ValidationError,
} from '../../src/index.js';
import { NO_BACKOFF, rejection } from './http-chains.js';
import { ProviderSimulator } from './provider-simulator.js';
import { testBackstop, uniquePrefix } from './redis.js';

export const PRODUCT = 'my-product';
export const TAG = 'payment-fallback';
export const STRIPE = 'stripe-ish';
export const PAYPAL = 'paypal-ish';

type ProcessorExtra = Partial<Omit<OperatorInput, 'action'>>;

export interface ProcessorKit {
  readonly backstop: Backstop;
  readonly stripe: ProviderSimulator;
  readonly paypal: ProviderSimulator;
  /** Another Backstop on this test's prefix: another process of the same installation. */
  sameInstallation(options?: BackstopOptions): Backstop;
  /** `processor.fallback.run` of TAG in prd, action trigger, input { amount: 5 }. */
  trigger(extra?: ProcessorExtra): Promise<unknown>;
  update(input: Record<string, unknown>, extra?: ProcessorExtra): Promise<UpdateResult>;
  reset(extra?: ProcessorExtra): Promise<ResetResult>;
}

/** A provider option calling app `name`'s `call` with { amount }. */
export function option(name: string, extra: Partial<FallbackOption> = {}): FallbackOption {
  return {
    type: FeatureEventTypes.ACTION,
    event: 'call',
    app: name,
    retries: 0,
    backoff: NO_BACKOFF,
    input: { amount: '$Input{amount}' },
    ...extra,
  };
}

/**
 * Per test: a fresh prefix, a Backstop on it, two simulators behind apps `stripe-ish` and
 * `paypal-ish` (envs prd and stg), and unless `chain: false`, TAG: stripe-ish first, then
 * paypal-ish. Everything is closed after the test.
 */
export function useProcessorKit(setup: { options?: BackstopOptions; chain?: boolean } = {}): ProcessorKit {
  let state: { prefix: string; backstop: Backstop; stripe: ProviderSimulator; paypal: ProviderSimulator };
  const sims: ProviderSimulator[] = [];
  const backstops: Backstop[] = [];
  const current = () => {
    if (!state) throw new Error('useProcessorKit: no test is running');
    return state;
  };
  const run = (input: Omit<OperatorInput, 'env' | 'product_tag' | 'fallback_tag'> & ProcessorExtra) =>
    current().backstop.processor.fallback.run({
      env: 'prd',
      product_tag: PRODUCT,
      fallback_tag: TAG,
      ...input,
    } as OperatorInput);

  beforeEach(async () => {
    const prefix = uniquePrefix();
    const backstop = testBackstop({ prefix, ...setup.options });
    backstops.push(backstop);
    const provider = async (name: string) => {
      const sim = await ProviderSimulator.start(name);
      sims.push(sim);
      const env = { baseUrl: sim.url };
      await backstop.app.define({
        tag: name,
        envs: { prd: env, stg: env },
        actions: { call: { method: 'POST', path: '/call' } },
      });
      return sim;
    };
    state = { prefix, backstop, stripe: await provider(STRIPE), paypal: await provider(PAYPAL) };
    if (setup.chain === false) return;
    await backstop.fallback.create({
      name: 'Payment Provider Fallback',
      tag: TAG,
      description: 'stripe-ish to paypal-ish',
      input: { amount: { type: DataTypes.NUMBER } },
      options: [option(STRIPE), option(PAYPAL)],
    });
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    for (const b of backstops.splice(0).reverse()) await b.close();
  });

  return {
    get backstop() {
      return current().backstop;
    },
    get stripe() {
      return current().stripe;
    },
    get paypal() {
      return current().paypal;
    },
    sameInstallation(options = {}) {
      const other = testBackstop({ prefix: current().prefix, ...options });
      backstops.push(other);
      return other;
    },
    trigger: (extra = {}) => run({ action: 'trigger', input: { amount: 5 }, ...extra }),
    update: async (input, extra = {}) => (await run({ action: 'update', input, ...extra })) as UpdateResult,
    reset: async (extra = {}) => (await run({ action: 'reset', ...extra })) as ResetResult,
  };
}

/** An update input marking `name` unhealthy, with `extra` fields (e.g. `for`). */
export function unhealthy(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { providers: { [name]: { provider_status: 'unhealthy', ...extra } } };
}

export const providersOf = (d: FallbackDescription) => d.options.map((o) => o.provider);
export const statusOf = (d: FallbackDescription, name: string) =>
  d.options.find((o) => o.provider === name)?.provider_status;
export const issuePaths = (error: unknown) => (error as ValidationError).issues.map((i) => i.path);

/** The ValidationError a call rejects with, checked to name `path`. */
export async function validationNaming(promise: Promise<unknown>, path: string): Promise<ValidationError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ValidationError);
  expect(issuePaths(error)).toContain(path);
  return error as ValidationError;
}
