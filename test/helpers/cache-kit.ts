import { expect } from 'vitest';
import { type Backstop, type RunParams, type RunReport, ValidationError } from '../../src/index.js';
import { usePerTestBackstop } from './http-chains.js';
import type { ProviderSimulator } from './provider-simulator.js';
import { rawRedis } from './redis.js';

export const CACHE = 'results';
export const INPUT = { amount: 5, currency: 'EUR' };
const INPUT_SCHEMA = { amount: { type: 'number' }, currency: { type: 'string' } } as const;

export interface CacheKit {
  readonly prefix: string;
  readonly backstop: Backstop;
  /** One provider behind a chain taking { amount, currency }, and the cache type CACHE (ten minutes). */
  cachedChain(
    ttl?: number | string,
    extra?: { timeout?: number },
  ): Promise<{ sim: ProviderSimulator; tag: string }>;
  /** `runDetailed` of `tag` naming CACHE (INPUT unless given). */
  cachedRun(tag: string, params?: Partial<RunParams>, on?: Backstop): Promise<RunReport>;
  /** The stored results under this prefix (their locks left out). */
  cacheKeys(): Promise<string[]>;
}

/** Per test: a fresh prefix, a Backstop on it and HTTP simulators, closed after the test. */
export function useCacheKit(): CacheKit {
  const t = usePerTestBackstop();
  return {
    get prefix() {
      return t.prefix;
    },
    get backstop() {
      return t.backstop;
    },
    async cachedChain(ttl = '10m', extra = {}) {
      const { chains, backstop } = t;
      const sim = numbered(await chains.provider('pay'));
      const tag = await chains.chain(
        [chains.option(sim, { input: { amount: '$Input{amount}', currency: '$Input{currency}' }, ...extra })],
        { input: INPUT_SCHEMA },
      );
      await backstop.cache.define({ tag: CACHE, ttl });
      return { sim, tag };
    },
    cachedRun: (tag, params = {}, on = t.backstop) =>
      on.fallback.runDetailed({ tag, input: INPUT, cache: CACHE, ...params }),
    async cacheKeys() {
      const redis = rawRedis();
      try {
        // `{bt-…}` prefixes: each product's cached results are under `{bt-…:cache:<product>}`.
        const keys = await redis.keys(`${t.prefix.slice(0, -1)}:cache:*`);
        return keys.filter((k) => !k.endsWith(':lock'));
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** A simulator whose every answer is distinct (`tx-<n>`), so a served result is recognisable. */
export function numbered(sim: ProviderSimulator): ProviderSimulator {
  return sim.always({ kind: 'ok', body: () => ({ id: `tx-${sim.calls.length}`, status: 'succeeded' }) });
}

/** The paths a ValidationError names. */
export function issuePaths(error: unknown): string[] {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues.map((i) => i.path);
}
