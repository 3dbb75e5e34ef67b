import type { AppDefinition, Backstop, DeclarativeDefinition, FallbackOption } from '../../src/index.js';
import { FeatureEventTypes } from '../../src/index.js';
import { ProviderSimulator } from './provider-simulator.js';

export const NO_BACKOFF = { type: 'fixed', delay: 0 } as const;

type Actions = AppDefinition['actions'];

/**
 * Builds chains of real HTTP simulators for one Backstop: each simulator sits behind an app of the
 * same (unique) name, by default with one action, `call`. `closeAll` stops every simulator.
 */
export function httpChains(backstop: () => Backstop) {
  const sims: ProviderSimulator[] = [];
  let seq = 0;

  async function provider(
    base: string,
    actions: Actions = { call: { method: 'POST', path: '/call' } },
    headers?: Record<string, string>,
  ): Promise<ProviderSimulator> {
    const sim = await ProviderSimulator.start(`${base}-${++seq}`);
    sims.push(sim);
    const env = headers ? { baseUrl: sim.url, headers } : { baseUrl: sim.url };
    await backstop().app.define({ tag: sim.name, envs: { prd: env }, actions });
    return sim;
  }

  function option(sim: ProviderSimulator, extra: Partial<FallbackOption> = {}): FallbackOption {
    return {
      type: FeatureEventTypes.ACTION,
      event: 'call',
      app: sim.name,
      retries: 0,
      backoff: NO_BACKOFF,
      ...extra,
    };
  }

  async function chain(
    options: FallbackOption[],
    extra: Partial<DeclarativeDefinition> = {},
  ): Promise<string> {
    const tag = `chain-${++seq}`;
    await backstop().fallback.create({ name: tag, tag, options, ...extra });
    return tag;
  }

  const closeAll = () => Promise.all(sims.map((s) => s.close()));
  return { provider, option, chain, closeAll };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
