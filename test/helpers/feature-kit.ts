import { afterEach, beforeEach, expect } from 'vitest';
import type { Backstop, StepRecord } from '../../src/index.js';
import { defineProcessPayment, FEATURE_RESPONSES } from '../fixtures/process-payment.js';
import type { ProviderSimulator } from './provider-simulator.js';
import { testBackstop } from './redis.js';
import { urlsOf, useSimulators } from './simulators.js';

export interface FeatureKit {
  /** validate (payment-service), stripe, paypal and log (logging-service), shared by the file. */
  sims: Record<keyof typeof FEATURE_RESPONSES, ProviderSimulator>;
  /** This test's Backstop, on a fresh prefix, with the apps, the chain and `process-payment` defined. */
  backstop(): Backstop;
}

/** Simulators for the file; per test a fresh Backstop with `process-payment` defined, closed after it. */
export function useProcessPayment(): FeatureKit {
  const sims = useSimulators(FEATURE_RESPONSES);
  let current: Backstop | undefined;
  beforeEach(async () => {
    current = testBackstop();
    await defineProcessPayment(current, urlsOf(sims));
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    sims,
    backstop: () => {
      if (!current) throw new Error('useProcessPayment: no test is running');
      return current;
    },
  };
}

export function noCalls(...list: ProviderSimulator[]): void {
  for (const sim of list) expect(sim.calls, `${sim.name} calls`).toHaveLength(0);
}

/** Each step's name, type, outcome and provider. */
export function outline(steps: readonly StepRecord[]) {
  return steps.map((s) => ({ step: s.step, type: s.type, outcome: s.outcome, provider: s.provider }));
}

/** A step's attempts as [provider, attempt, outcome]. */
export function attemptsOf(step: StepRecord | undefined) {
  return (step?.attempts ?? []).map((a) => [a.provider, a.attempt, a.outcome]);
}
