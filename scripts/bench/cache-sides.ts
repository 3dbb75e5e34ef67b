import type { Redis } from 'ioredis';
import { Backstop } from '../../src/backstop.js';
import { silentLogger } from '../../src/core/logger.js';
import { type DelayedProvider, startDelayedProvider } from './cache-provider.js';
import type { HttpBenchEnv } from './http-env.js';

export const PRODUCT = 'bench';
export const ENV = 'prd';
/** A declarative chain whose one option is an app action served over HTTP by the vendor. */
export const HTTP_TAG = 'pay';
/** A code-first chain whose one provider is an in-process handler: no network, no Redis. */
export const CODE_TAG = 'pay-local';
export const CACHE_TAG = 'results';
export const SESSION_TAG = 'user';
export const INPUT = { amount: 100, currency: 'usd' };

/**
 * One installation for every measurement: two Backstops on one prefix ("two processes" of it), the
 * vendor behind an app, the two chains, a cache type and an HS256 session type (defined in process
 * `a`, which makes every run but the second process's half of a two-process burst).
 */
export interface Installation {
  a: Backstop;
  b: Backstop;
  vendor: DelayedProvider;
  /** A valid HS256 token (1 h) of the session type, and the secret it is signed with. */
  token: string;
  secret: string;
  close(): Promise<void>;
}

export async function startInstallation(
  env: HttpBenchEnv,
  prefix: string,
  vendorDelayMs: number,
): Promise<Installation> {
  const vendor = await startDelayedProvider(vendorDelayMs);
  const open = (): Backstop =>
    new Backstop({ redis: env.redis.url, prefix, product: PRODUCT, env: ENV, logger: silentLogger });
  const a = open();
  const b = open();
  const close = async () => {
    // Reverse order of creation: the two Backstops (their connections), then the vendor.
    await b.close();
    await a.close();
    await vendor.close();
  };
  try {
    await a.app.define({
      tag: 'vendor',
      envs: { [ENV]: { baseUrl: vendor.url } },
      actions: { charge: { method: 'POST', path: '/charge' } },
    });
    await a.fallback.create({
      name: 'bench pay over http',
      tag: HTTP_TAG,
      options: [
        {
          type: 'action',
          app: 'vendor',
          event: 'charge',
          provider: 'vendor',
          retries: 0,
          input: { amount: '$Input{amount}', currency: '$Input{currency}', n: '$Input{n}' },
        },
      ],
    });
    await a.fallback.define({
      tag: CODE_TAG,
      name: 'bench pay in process',
      handler: (ctx) => {
        ctx.primary('local').handler(async () => ({ id: 'local-1', status: 'succeeded' }));
      },
    });
    await a.cache.define({ tag: CACHE_TAG, ttl: '5m' });
    const secret = 'bench-secret-'.padEnd(48, 'x');
    await a.session.define({ tag: SESSION_TAG, secret });
    const token = await a.session.sign({ tag: SESSION_TAG, claims: { sub: 'user-1' }, expiresIn: '1h' });
    return { a, b, vendor, token, secret, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One side of a throughput cell: what one run is. */
export interface Side {
  name: string;
  run: () => Promise<unknown>;
}

/** A run of the HTTP chain on process `a`, with or without the cache. */
export function httpRun(
  installation: Installation,
  input: () => Record<string, unknown>,
  cache?: string,
): () => Promise<unknown> {
  const { a } = installation;
  return cache
    ? () => a.fallback.run({ tag: HTTP_TAG, input: input(), cache })
    : () => a.fallback.run({ tag: HTTP_TAG, input: input() });
}

/** Inputs `{ ...INPUT, n: 0..size-1 }`, handed out round robin: concurrent runs rarely share one. */
export function inputPool(size: number): {
  all: Record<string, unknown>[];
  next: () => Record<string, unknown>;
} {
  const all = Array.from({ length: size }, (_, n) => ({ ...INPUT, n }));
  let i = 0;
  return { all, next: () => all[i++ % size]! };
}

/** A new input for every run: each run with a cache is a miss. */
export function freshInputs(): () => Record<string, unknown> {
  let n = 1_000_000;
  return () => ({ ...INPUT, n: n++ });
}

/** Commands Redis has processed so far (INFO stats); the INFO call itself counts one. */
export async function redisCommands(stats: Redis): Promise<number> {
  const info = await stats.info('stats');
  const match = /total_commands_processed:(\d+)/.exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/** A burst: `runs` started at once, resolved when all settle. */
export interface BurstSide {
  name: string;
  /** Before each burst (not timed): e.g. clear the cached result. */
  before: () => Promise<unknown>;
  /** Starts the burst's runs; each resolves to whether its report said `cache.hit`. */
  burst: () => Promise<boolean[]>;
}

/** `count` identical runs of the HTTP chain, started together, spread over the given processes. */
export function identicalBurst(
  processes: readonly Backstop[],
  count: number,
  cache?: string,
): () => Promise<boolean[]> {
  const input = { ...INPUT, n: -1 };
  return () =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const backstop = processes[i % processes.length]!;
        const report = await backstop.fallback.runDetailed(
          cache ? { tag: HTTP_TAG, input, cache } : { tag: HTTP_TAG, input },
        );
        return report.cache?.hit === true;
      }),
    );
}
