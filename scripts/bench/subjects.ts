import { setMaxListeners } from 'node:events';
import { ConstantBackoff, fallback, handleAll, retry, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import { Backstop } from '../../src/backstop.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Providers } from './providers.js';

/** One side of the comparison: a chain over the same two provider functions. */
export interface Subject {
  name: 'backstop' | 'quota' | 'metrics off' | 'cockatiel' | 'bare';
  run: () => Promise<{ provider: string }>;
}

/** Backstop's default per-attempt timeout (DEFAULT_TIMEOUT_MS), mirrored on the other sides. */
export const ATTEMPT_TIMEOUT_MS = 30_000;

export const DESCRIPTIONS: Record<Subject['name'], string> = {
  quota: [
    'backstop.quota.run({ tag, input: {} }) on a code-first quota of the same two providers (metrics on):',
    "provider('a').weight(1).retries(1), provider('b').weight(0.000001): a weighted pick (a is drawn",
    'first but once in a million runs) instead of the fixed order, the rest the same machinery, and',
    'the served provider counted for quota.status (in memory; this process never connects to Redis).',
  ].join('\n    '),
  'metrics off':
    'the same Backstop run with new Backstop({ metrics: false }): no event listener, so runs build no events.',
  backstop: [
    "backstop.fallback.run({ tag, input: {} }) on a code-first chain: primary('a').handler(fn).retries(1)",
    ".backoff({ type: 'fixed', delay: 0 }), fallback('b').handler(fn), default per-attempt timeout 30 s.",
    'Per run: zod-parses the run params and the input, makes a run id (randomUUID) and an',
    'AbortController for the run. Per attempt: an AbortController linked to the run signal, a 30 s',
    'setTimeout, the target raced against the attempt signal, an attempt record (ISO timestamp).',
    'Returns { provider, ...output }. No retry timer when the backoff delay is 0.',
  ].join('\n    '),
  cockatiel: [
    'fallback(handleAll, () => timeout(30 s, Aggressive).execute(b)).execute(({ signal }) =>',
    '  wrap(retry(handleAll, { maxAttempts: 1, backoff: new ConstantBackoff(0) }),',
    '       timeout(30 s, Aggressive)).execute(a, signal)),',
    'each result spread into { provider, ...output } as Backstop returns. Aggressive: each attempt',
    'gets its own AbortController and 30 s setTimeout and is raced against them, as in Backstop.',
    'Note: cockatiel always awaits setTimeout(delay) between retries, even for delay 0, which Node',
    'clamps to 1 ms: that timer, not cockatiel code, bounds scenario 2 when runs are sequential.',
  ].join('\n    '),
  bare: [
    'hand-written floor: a, then a again at once, then b; each attempt with its own AbortController',
    'and a 30 s setTimeout raced against it; returns { provider, ...output }. No validation, no records.',
  ].join('\n    '),
};

export async function backstopSubject(
  providers: Providers,
  tag: string,
  metrics = true,
): Promise<Subject & { close(): Promise<void> }> {
  const backstop = new Backstop({ product: 'bench', env: 'prd', logger: silentLogger, metrics });
  await backstop.fallback.define({
    tag,
    name: `bench ${tag}`,
    handler: (ctx) => {
      ctx
        .primary('a')
        .handler(() => providers.primary())
        .retries(1)
        .backoff({ type: 'fixed', delay: 0 });
      ctx.fallback('b').handler(() => providers.fallback());
    },
  });
  return {
    name: metrics ? 'backstop' : 'metrics off',
    run: () => backstop.fallback.run({ tag, input: {} }),
    close: () => backstop.close(),
  };
}

/** The same two providers as a quota: `a` all but always drawn first, `b` once `a` has failed. */
export async function quotaSubject(
  providers: Providers,
  tag: string,
): Promise<Subject & { close(): Promise<void> }> {
  const backstop = new Backstop({ product: 'bench', env: 'prd', logger: silentLogger });
  await backstop.quota.define({
    tag,
    name: `bench quota ${tag}`,
    handler: (ctx) => {
      ctx
        .provider('a')
        .weight(1)
        .handler(() => providers.primary())
        .retries(1)
        .backoff({ type: 'fixed', delay: 0 });
      ctx
        .provider('b')
        .weight(0.000_001)
        .handler(() => providers.fallback());
    },
  });
  return {
    name: 'quota',
    run: () => backstop.quota.run({ tag, input: {} }),
    close: () => backstop.close(),
  };
}

export function cockatielSubject(providers: Providers): Subject {
  const perAttempt = timeout(ATTEMPT_TIMEOUT_MS, TimeoutStrategy.Aggressive);
  const primaryPolicy = wrap(
    retry(handleAll, { maxAttempts: 1, backoff: new ConstantBackoff(0) }),
    perAttempt,
  );
  const chain = fallback(handleAll, async () => ({
    provider: 'b',
    ...(await perAttempt.execute(() => providers.fallback())),
  }));
  // cockatiel hangs every in-flight run's listener on one shared never-aborted signal by default;
  // this is the same thing, minus Node's MaxListeners warning when 100 runs are in flight.
  const idle = new AbortController().signal;
  setMaxListeners(0, idle);
  return {
    name: 'cockatiel',
    run: () =>
      chain.execute(
        async ({ signal }) => ({
          provider: 'a',
          ...(await primaryPolicy.execute(() => providers.primary(), signal)),
        }),
        idle,
      ),
  };
}

export function bareSubject(providers: Providers): Subject {
  return {
    name: 'bare',
    async run() {
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          return { provider: 'a', ...(await withTimeout(providers.primary, ATTEMPT_TIMEOUT_MS)) };
        } catch {
          // retry at once, then fall back
        }
      }
      return { provider: 'b', ...(await withTimeout(providers.fallback, ATTEMPT_TIMEOUT_MS)) };
    },
  };
}

function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`attempt timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([fn(controller.signal), expired]).finally(() => clearTimeout(timer));
}
