import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import type { Logger } from '../core/logger.js';
import type { TargetContext, TargetResolver } from '../core/target.js';

/** A code-first probe: resolves when the provider is up, throws when it is not. */
export type ProbeHandler = (
  input: Record<string, unknown>,
  ctx: { signal: AbortSignal; env: string },
) => unknown | Promise<unknown>;

/** The fetch URL probes use (the outbound policy's: a probe URL is checked like an app's). */
export type ProbeFetch = (url: string, init: { method: string; signal: AbortSignal }) => Promise<Response>;

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  error?: string | undefined;
  /** The probe's work when it outlived its timeout (it ignored its signal): settles when it ends. */
  outliving?: Promise<void> | undefined;
}

/**
 * A probe's timeout: the healthcheck's, bounded by the interval it runs at, so a hung provider's
 * probe ends by the time the next one is due and never piles up on the worker's slots.
 */
export function probeTimeout(definition: HealthcheckDefinition, interval: number | undefined): number {
  return Math.max(1, Math.min(definition.timeout, interval ?? definition.interval));
}

/**
 * Runs one probe, bounded by `timeoutMs`: a handler, a plain URL with an expected status (any 2xx
 * by default), or an app action through the same targets runs use. The result comes by the timeout
 * even when the work ignores its signal (a handler that hangs): the probe of a round must not hold
 * the others back. Such work is handed back as `outliving`, still running.
 */
export async function runProbe(
  definition: HealthcheckDefinition,
  env: string,
  product: string,
  handler: ProbeHandler | undefined,
  targets: TargetResolver,
  logger: Logger,
  timeoutMs: number = definition.timeout,
  fetchUrl: ProbeFetch = globalThis.fetch,
): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  const work = probeWork(definition, env, product, handler, targets, logger, timeoutMs, fetchUrl, signal);
  let onAbort: (() => void) | undefined;
  const timedOut = new Promise<{ timedOut: true }>((resolve) => {
    onAbort = () => resolve({ timedOut: true });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const outcome = await Promise.race([
    work.then(
      () => ({ failed: false as const }),
      (error: unknown) => ({ failed: true as const, error }),
    ),
    timedOut,
  ]);
  signal.removeEventListener('abort', onAbort!);
  const latencyMs = Math.round(performance.now() - started);
  if ('failed' in outcome && !outcome.failed) return { ok: true, latencyMs };
  const reason =
    'error' in outcome && outcome.error instanceof Error ? outcome.error.message : 'probe failed';
  return {
    ok: false,
    latencyMs,
    error: signal.aborted ? `probe timed out after ${timeoutMs} ms` : reason,
    ...('timedOut' in outcome ? { outliving: work.then(noop, noop) } : {}),
  };
}

const noop = () => undefined;

async function probeWork(
  definition: HealthcheckDefinition,
  env: string,
  product: string,
  handler: ProbeHandler | undefined,
  targets: TargetResolver,
  logger: Logger,
  timeoutMs: number,
  fetchUrl: ProbeFetch,
  signal: AbortSignal,
): Promise<void> {
  const input = definition.envs.find((e) => e.slug === env)?.input ?? {};
  if (handler) {
    await handler(input, { signal, env });
  } else if (definition.url) {
    const response = await fetchUrl(definition.url, {
      method: definition.method,
      signal,
      redirect: 'manual',
    } as {
      method: string;
      signal: AbortSignal;
    });
    await response.arrayBuffer();
    const expected = definition.expectStatus;
    const ok = expected === undefined ? response.ok : response.status === expected;
    if (!ok) throw new Error(`HTTP ${response.status}, expected ${expected ?? '2xx'}`);
  } else {
    const ctx: TargetContext = {
      signal,
      idempotencyKey: `probe:${definition.tag}:${Date.now()}`,
      attempt: 1,
      provider: definition.tag,
      runId: `probe:${definition.tag}`,
      product,
      env,
      tag: definition.tag,
      logger,
      remainingMs: timeoutMs,
      depth: 0,
      session: undefined,
    };
    await targets.call({ kind: 'app', app: definition.app!, action: definition.event! }, input, ctx);
  }
}
