import { linkedController } from './abort.js';
import { type AttemptCall, type CallResult, callOnce } from './call-attempt.js';
import { BackstopError, ErrorCodes } from './errors.js';

/**
 * Hedging for a slow provider (Polly's shape): when an attempt has not answered after `delay`, a
 * hedged call to the same provider starts, up to `maxAttempts` of them, `delay` apart; the first
 * success wins and the others are cancelled through their signal. Only where a second concurrent
 * call is safe: the provider receives the same idempotency key (an HTTP app action), or the user
 * marks the option `safe` (definitions refuse it otherwise).
 */
export interface HedgeSpec {
  delay: number;
  /** Hedged calls besides the first (Polly's MaxHedgedAttempts), default 1. */
  maxAttempts: number;
  /** A second concurrent call to this provider is safe although it is not an HTTP app action. */
  safe?: boolean | undefined;
}

/** Why a hedged call was cancelled: another call to the same provider answered first. */
export class HedgeLostError extends BackstopError {
  constructor() {
    super(ErrorCodes.ABORTED, 'another call to the same provider answered first (hedging)');
  }
}

/** The outcome of the race, and how many hedged calls it started besides the first. */
export type HedgedResult = CallResult & { hedges: number };

export async function callHedged(call: AttemptCall, hedge: HedgeSpec): Promise<HedgedResult> {
  const { clock } = call;
  const calls: { cancel: () => void }[] = [];
  let hedges = 0;
  let settled = false;
  let running = 0;
  let cancelTimer: () => void = () => {};
  return new Promise<HedgedResult>((resolve) => {
    const finish = (result: CallResult) => {
      settled = true;
      cancelTimer();
      for (const c of calls) c.cancel();
      resolve({ ...result, hedges });
    };
    const start = () => {
      const { controller, unlink } = linkedController(call.runSignal);
      calls.push({ cancel: () => controller.abort(new HedgeLostError()) });
      running++;
      void callOnce({ ...call, runSignal: controller.signal }).then((result) => {
        running--;
        unlink();
        if (settled) return;
        if (result.ok) return finish(result);
        // A failure waits for the calls still running (the last to fail decides); it starts none:
        // failures are for retries, hedging is for slowness.
        if (running === 0) finish(result);
      });
      if (hedges < hedge.maxAttempts) cancelTimer = clock.setTimer(hedge.delay, next);
    };
    const next = () => {
      if (settled || call.runSignal.aborted) return;
      hedges++;
      start();
    };
    start();
  });
}
