import type { AttemptCall, CallResult } from './call-attempt.js';
import { sleep } from './clock.js';
import type { Drill } from './drill.js';
import { toFailure } from './failure.js';
import { AttemptTimeoutError, ProviderError } from './provider-errors.js';

/** An attempt under a drill, and whether the drill changed what it did (the record says `drill: true`). */
export interface DrilledCall {
  call: CallResult;
  drilled: boolean;
}

/**
 * One attempt as the drill makes it: a failure without a call (`down`, and `error-rate` for its
 * share), or the call after the drill's latency (`slow`). A drilled failure never left: it is a
 * refusal (safe to fail over), retryable like a provider that is down.
 */
export async function callUnderDrill(
  drill: Drill,
  call: AttemptCall,
  random: () => number,
  callProvider: () => Promise<CallResult>,
): Promise<DrilledCall> {
  if (drill.mode === 'down' || (drill.mode === 'error-rate' && random() < (drill.rate ?? 0)))
    return { call: { ok: false, failure: toFailure(drillError(drill)) }, drilled: true };
  if (drill.mode !== 'slow') return { call: await callProvider(), drilled: false };
  const latency = drill.latencyMs ?? 0;
  const timeoutMs = call.provider.timeoutMs;
  const waitMs = timeoutMs === undefined ? latency : Math.min(latency, timeoutMs);
  try {
    await sleep(call.clock, waitMs, call.runSignal);
  } catch (reason) {
    return { call: { ok: false, failure: toFailure(reason) }, drilled: true };
  }
  if (timeoutMs !== undefined && latency >= timeoutMs)
    return {
      call: { ok: false, failure: toFailure(new AttemptTimeoutError(timeoutMs, false)) },
      drilled: true,
    };
  return { call: await callProvider(), drilled: true };
}

function drillError(drill: Drill): ProviderError {
  const why = drill.mode === 'down' ? 'provider down' : `error rate ${drill.rate}`;
  return new ProviderError(`drill ${drill.id}: ${why} (not called)`, { retryable: true, sent: false });
}
