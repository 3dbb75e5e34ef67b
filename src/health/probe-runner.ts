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
 * by default), or an app action through the same targets runs use.
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
  const input = definition.envs.find((e) => e.slug === env)?.input ?? {};
  const signal = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  try {
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
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = signal.aborted ? `probe timed out after ${timeoutMs} ms` : (error as Error).message;
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message };
  }
}
