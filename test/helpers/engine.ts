import { EventBus } from '../../src/core/event-bus.js';
import { InMemoryHealthView } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { type EngineDeps, type RunRequest, runChain } from '../../src/core/run-chain.js';
import { TargetRegistry } from '../../src/targets/target-registry.js';
import type { Fn } from './chains.js';
import { FakeClock } from './fake-clock.js';

/**
 * The engine alone: handler targets, a fake clock, a health view set by hand, no Redis.
 * `onListenerError` receives what an event listener throws.
 */
export function engine({
  clock = new FakeClock(),
  health = new InMemoryHealthView(),
  onListenerError,
  random = () => 0.5,
  drills,
}: {
  clock?: FakeClock;
  health?: InMemoryHealthView;
  onListenerError?: (error: unknown) => void;
  /** The engine's random source (a quota's picks, jitter, the panic share). */
  random?: () => number;
  /** Failover drills in force (none by default). */
  drills?: EngineDeps['drills'];
} = {}) {
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const events = new EventBus(onListenerError);
  const deps: EngineDeps = { clock, health, targets, logger: silentLogger, events, random, drills };
  const run = (c: RunRequest['chain'], extra: Partial<RunRequest> = {}) =>
    runChain(deps, { chain: c, env: 'prd', input: { amount: 1 }, runId: 'run-1', runKey: 'run-1', ...extra });
  return { clock, health, run, events };
}

export const ok = (body: unknown) => async () => body;
export const fail = (error: unknown) => async () => {
  throw error;
};

/** A provider function that counts its calls and then does what `then` does. */
export function counted(then: Fn = ok({})): { fn: Fn; readonly calls: number } {
  let calls = 0;
  return {
    fn: (request, ctx) => {
      calls++;
      return then(request, ctx);
    },
    get calls() {
      return calls;
    },
  };
}
