import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type {
  AppDefinition,
  Backstop,
  BackstopOptions,
  DeclarativeDefinition,
  FallbackOption,
} from '../../src/index.js';
import { FeatureEventTypes } from '../../src/index.js';
import { ProviderSimulator } from './provider-simulator.js';
import { testBackstop, uniquePrefix } from './redis.js';

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

/** For the describe: a Backstop made before its tests and closed after them, and HTTP chains on it. */
export function useHttpChains(options: BackstopOptions = {}) {
  let current: Backstop | undefined;
  const backstop = () => {
    if (!current) throw new Error('useHttpChains: not started');
    return current;
  };
  const chains = httpChains(backstop);
  beforeAll(() => {
    current = testBackstop(options);
  });
  afterAll(async () => {
    await current?.close();
    await chains.closeAll();
  });
  return { ...chains, backstop };
}

export interface TestBackstop {
  readonly prefix: string;
  readonly backstop: Backstop;
  readonly chains: ReturnType<typeof httpChains>;
  /** Replaces this test's Backstop (closing the first) with one made with `options`, same prefix. */
  restart(options: BackstopOptions): Promise<void>;
}

/** Per test: a fresh prefix, a Backstop on it and HTTP chains on it, closed after the test. */
export function usePerTestBackstop(): TestBackstop {
  let state: { prefix: string; backstop: Backstop; chains: ReturnType<typeof httpChains> } | undefined;
  const current = () => {
    if (!state) throw new Error('usePerTestBackstop: no test is running');
    return state;
  };
  beforeEach(() => {
    const prefix = uniquePrefix();
    state = { prefix, backstop: testBackstop({ prefix }), chains: httpChains(() => current().backstop) };
  });
  afterEach(async () => {
    await state?.chains.closeAll();
    await state?.backstop.close();
    state = undefined;
  });
  return {
    get prefix() {
      return current().prefix;
    },
    get backstop() {
      return current().backstop;
    },
    get chains() {
      return current().chains;
    },
    async restart(options) {
      const { prefix, backstop } = current();
      await backstop.close();
      current().backstop = testBackstop({ prefix, ...options });
    },
  };
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
