import { setMaxListeners } from 'node:events';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import type { Backstop, BackstopOptions } from '../../src/index.js';
import type { LoopbackProvider } from './failover-providers.js';

export const PROVIDERS = ['a', 'b', 'c'] as const;
/** Probe every second, as the issue measured. */
export const PROBE_INTERVAL_MS = 1_000;
/** The chain's per-attempt timeout in the bench (Backstop's default is 30 s; 2 s keeps a hang scenario short). */
export const ATTEMPT_TIMEOUT_MS = 2_000;
/** cockatiel's breaker: 5 consecutive failures, half-open after 10 s (its README's example). */
const COCKATIEL_HALF_OPEN_MS = 10_000;

/** One way of running the same three-provider chain. JSON-safe: worker processes get it in their env. */
export interface SetupSpec {
  id: string;
  label: string;
  /** Options of every Backstop of the setup (the bench adds redis, prefix, product, env, logger). */
  backstop: Pick<BackstopOptions, 'circuit'> & Record<string, unknown>;
  /** Healthchecks on every provider, or none. */
  healthcheck?: { retries?: number; timeout?: number } & Record<string, unknown>;
  /** The healthcheck worker's concurrency (undefined: Backstop's default). */
  healthConcurrency?: number;
  /** Chain options beyond the providers (whenAllUnhealthy, …); a scenario's own win over them. */
  chain?: Record<string, unknown>;
  /** Chain options that win over the scenario's. */
  force?: Record<string, unknown>;
}

/** One run as the figures need it, whoever ran it. */
export interface RunRecord {
  /** When the run started (ms since epoch); for jobs, when it was dispatched. */
  start: number;
  /** When the chain started running (jobs wait in the queue before). */
  began: number;
  end: number;
  ok: boolean;
  provider: string | undefined;
  calls: { provider: string; ok: boolean; start: number; ms: number }[];
  skipped: string[];
}

/** The run.ended event's attempts, as a run record (latency from `start`). */
export function recordOf(
  start: number,
  event: { at: number; durationMs: number; outcome: string; provider?: string | undefined },
  attempts: readonly { provider: string; outcome: string; startedAt: string; durationMs: number }[],
): RunRecord {
  const record: RunRecord = {
    start,
    began: event.at - event.durationMs,
    end: event.at,
    ok: event.outcome === 'success',
    provider: event.provider,
    calls: [],
    skipped: [],
  };
  for (const a of attempts) {
    if (a.outcome === 'skipped') record.skipped.push(a.provider);
    else
      record.calls.push({
        provider: a.provider,
        ok: a.outcome === 'success',
        start: Date.parse(a.startedAt),
        ms: a.durationMs,
      });
  }
  return record;
}

/** Apps a, b, c (each its loopback provider under the setup's path), their healthchecks, and the chain. */
export async function defineChain(
  backstop: Backstop,
  spec: SetupSpec,
  providers: readonly LoopbackProvider[],
  chain: Record<string, unknown> = {},
): Promise<void> {
  const actions = { charge: { method: 'POST', path: '/charge' }, ping: { method: 'GET', path: '/ping' } };
  for (const [i, name] of PROVIDERS.entries()) {
    const baseUrl = `${providers[i]!.url}/${spec.id}`;
    await backstop.app.define({ tag: name, envs: { prd: { baseUrl } }, actions });
    if (spec.healthcheck) {
      await backstop.health.create({
        name: `${name} health`,
        tag: `${name}-health`,
        app: name,
        event: 'ping',
        interval: PROBE_INTERVAL_MS,
        envs: [{ slug: 'prd', input: {} }],
        ...spec.healthcheck,
      });
    }
  }
  await backstop.fallback.create({
    name: 'Bench chain',
    tag: 'pay',
    options: PROVIDERS.map((name) => ({
      type: 'action' as const,
      app: name,
      event: 'charge',
      retries: 0,
      timeout: ATTEMPT_TIMEOUT_MS,
      ...(spec.healthcheck ? { healthcheck: `${name}-health` } : {}),
    })),
    ...spec.chain,
    ...chain,
    ...spec.force,
  });
}

/**
 * The same chain by hand with cockatiel: per provider a consecutive-failure circuit breaker around
 * a 2 s timeout; a broken circuit skips the provider, any failure moves on to the next one.
 */
export function cockatielChain(providers: readonly LoopbackProvider[]): () => Promise<RunRecord> {
  const policies = providers.map((p) => ({
    url: `${p.url}/cockatiel/charge`,
    name: PROVIDERS[providers.indexOf(p)]!,
    policy: wrap(
      circuitBreaker(handleAll, {
        halfOpenAfter: COCKATIEL_HALF_OPEN_MS,
        breaker: new ConsecutiveBreaker(5),
      }),
      timeout(ATTEMPT_TIMEOUT_MS, TimeoutStrategy.Aggressive),
    ),
  }));
  const idle = new AbortController().signal;
  setMaxListeners(0, idle);
  return async () => {
    const start = Date.now();
    const record: RunRecord = {
      start,
      began: start,
      end: start,
      ok: false,
      provider: undefined,
      calls: [],
      skipped: [],
    };
    for (const { url, name, policy } of policies) {
      const callStart = Date.now();
      try {
        await policy.execute(async ({ signal }) => {
          const response = await fetch(url, { method: 'POST', body: '{}', signal });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
        }, idle);
        record.calls.push({ provider: name, ok: true, start: callStart, ms: Date.now() - callStart });
        record.ok = true;
        record.provider = name;
        break;
      } catch (error) {
        if (error instanceof BrokenCircuitError) record.skipped.push(name);
        else record.calls.push({ provider: name, ok: false, start: callStart, ms: Date.now() - callStart });
      }
    }
    record.end = Date.now();
    return record;
  };
}
