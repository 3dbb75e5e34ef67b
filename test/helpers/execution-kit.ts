import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  type AttemptRecord,
  FallbackExhaustedError,
  InMemoryHealthView,
  type ProviderStatus,
} from '../../src/index.js';
import { definePaymentApps, PAYMENT_RESPONSES } from '../fixtures/payment-chain.js';
import { testBackstop } from './redis.js';
import { urlsOf, useSimulators } from './simulators.js';

export const PRODUCT = 'my-product';
export const ENV = 'prd';

/**
 * The payment providers as real HTTP simulators behind their apps, for the file, and a health view
 * the test sets by hand (cleared before each test): what a chain does step by step.
 */
export function useExecutionKit() {
  const health = new InMemoryHealthView();
  const backstop = testBackstop({ health });
  const sims = useSimulators(PAYMENT_RESPONSES);
  beforeAll(() => definePaymentApps(backstop, urlsOf(sims)));
  afterAll(() => backstop.close());
  beforeEach(() => health.clear());
  return {
    backstop,
    sims,
    setHealth(healthcheck: string, status: ProviderStatus): void {
      health.set({ product: PRODUCT, env: ENV, healthcheck }, status);
    },
    /** Calls received by Stripe, PayPal and Square. */
    callCounts: () => [sims.stripe.calls.length, sims.paypal.calls.length, sims.square.calls.length],
  };
}

/** [provider, attempt, outcome] and, for skips, why: the part of a record these steps are about. */
export function steps(attempts: readonly AttemptRecord[]): (string | number)[][] {
  return attempts.map((a) =>
    a.skipped ? [a.provider, a.attempt, a.outcome, a.skipped] : [a.provider, a.attempt, a.outcome],
  );
}

export async function exhausted(promise: Promise<unknown>): Promise<FallbackExhaustedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FallbackExhaustedError);
  return error as FallbackExhaustedError;
}
