import type { Clock } from '../core/clock.js';
import type { HealthPolicy } from '../core/health/health-policy.js';
import type { HealthKey, InFlightCall } from '../core/health-view.js';

/** A live call not finished yet. `counted` once the sweep found it slow: its end then adds nothing. */
export interface TrackedCall extends InFlightCall {
  readonly id: string;
  readonly key: HealthKey;
  readonly policy: HealthPolicy;
  counted: boolean;
}

/** How often calls in flight are checked against their slow threshold. */
const SWEEP_MS = 100;
/** A sweep this late means this process stalled (GC, CPU): the calls' ages say nothing of the provider. */
const STALL_MS = 100;

/**
 * Calls in flight, per provider, so a provider that hangs is judged before its calls time out: every
 * `SWEEP_MS` a call older than its slow threshold is reported once as a slow failure. The timer runs
 * while calls are in flight, and stops at the first sweep that finds none.
 */
export class InFlightCalls {
  private readonly calls = new Map<string, Set<TrackedCall>>();
  private count = 0;
  private cancel: (() => void) | undefined;
  private dueAt = 0;

  constructor(
    private readonly clock: Clock,
    /** The latency past which a call of this provider is slow (Infinity: never). */
    private readonly slowMs: (call: TrackedCall) => number,
    /** Told once of each call found slow, with its age. */
    private readonly onSlow: (call: TrackedCall, ageMs: number) => void,
  ) {}

  start(id: string, key: HealthKey, policy: HealthPolicy): TrackedCall {
    const call: TrackedCall = { id, key, policy, startedAt: this.clock.now(), counted: false };
    let set = this.calls.get(id);
    if (!set) {
      set = new Set();
      this.calls.set(id, set);
    }
    set.add(call);
    if (this.count++ === 0 && !this.cancel) this.arm();
    return call;
  }

  end(call: TrackedCall): void {
    const set = this.calls.get(call.id);
    if (!set?.delete(call)) return;
    if (set.size === 0) this.calls.delete(call.id);
    // The timer stays armed: the next sweep finds nothing and stops. Cancelling here made a worker
    // with fast providers create and clear a timer for nearly every call (count going 1 → 0 → 1).
    this.count--;
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private arm(): void {
    this.dueAt = this.clock.now() + SWEEP_MS;
    this.cancel = this.clock.setTimer(SWEEP_MS, () => this.sweep());
  }

  private sweep(): void {
    const now = this.clock.now();
    const stalled = now - this.dueAt > STALL_MS;
    if (!stalled) {
      for (const set of this.calls.values()) {
        for (const call of set) {
          if (call.counted) continue;
          const age = now - call.startedAt;
          if (age <= this.slowMs(call)) continue;
          call.counted = true;
          this.onSlow(call, age);
        }
      }
    }
    if (this.count > 0) this.arm();
    else this.cancel = undefined;
  }
}
