import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ProviderSimulator } from './provider-simulator.js';

/**
 * One simulator per name for the whole file, answering `bodies[name]`: started before the first
 * test, restored before each (that answer again, no calls recorded), closed after the last. The
 * returned record is filled in `beforeAll`: read its members inside hooks and tests.
 */
export function useSimulators<N extends string>(bodies: Record<N, unknown>): Record<N, ProviderSimulator> {
  const sims = {} as Record<N, ProviderSimulator>;
  beforeAll(async () => {
    for (const [name, body] of Object.entries(bodies) as [N, unknown][]) {
      sims[name] = await ProviderSimulator.start(name, body);
    }
  });
  beforeEach(() => {
    for (const sim of Object.values<ProviderSimulator>(sims)) sim.restore();
  });
  afterAll(async () => {
    await Promise.all(Object.values<ProviderSimulator>(sims).map((sim) => sim.close()));
  });
  return sims;
}

/** Their base URLs by name, for app definitions. */
export function urlsOf<N extends string>(sims: Record<N, ProviderSimulator>): Record<N, string> {
  return Object.fromEntries(Object.entries<ProviderSimulator>(sims).map(([n, s]) => [n, s.url])) as Record<
    N,
    string
  >;
}
