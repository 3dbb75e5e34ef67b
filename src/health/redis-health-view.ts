import type { Clock } from '../core/clock.js';
import type { HealthPolicyInput } from '../core/health/health-policy.js';
import { phaseAt } from '../core/health/phase.js';
import type {
  CallOutcome,
  HealthKey,
  HealthView,
  InFlightCall,
  ProviderHealth,
} from '../core/health-view.js';
import type { HealthSnapshot } from './health-snapshot.js';
import type { HistoryRecorder } from './history.js';
import type { LiveRecorder } from './live-recorder.js';

/**
 * The health view of a Backstop on Redis: every read comes from the local snapshot (no round trip
 * per attempt); live outcomes go to the shared state through the recorder (only when they change
 * something) and to the history, without the run waiting.
 */
export class RedisHealthView implements HealthView {
  private history: HistoryRecorder | undefined;

  constructor(
    readonly snapshot: HealthSnapshot,
    readonly recorder: LiveRecorder,
    private readonly clock: Clock,
  ) {}

  /** Called once Redis is connected; until then outcomes are not recorded. */
  attach(history: HistoryRecorder): void {
    this.history = history;
  }

  admit(key: HealthKey): boolean {
    return this.snapshot.admit(key);
  }

  peek(key: HealthKey): ProviderHealth | undefined {
    const current = this.snapshot.get(key);
    if (!current) return undefined;
    return describeHealth(current.state, this.clock.now());
  }

  started(key: HealthKey, policy: HealthPolicyInput | undefined): InFlightCall | undefined {
    return this.history ? this.recorder.started(key, policy) : undefined;
  }

  record(key: HealthKey, outcome: CallOutcome): void {
    if (!this.history) return;
    this.history.add(key.product, key.env, outcome);
    this.recorder.record(key, outcome);
  }
}

/** A state as `fetch` shows it on every option: its three documented fields (provider_status, last_available, last_checked) and where the provider stands. */
export function describeHealth(
  state: import('../core/health/provider-state.js').ProviderState,
  now: number,
): ProviderHealth {
  const view = phaseAt(state, now);
  const probe = state.probe;
  return {
    provider_status: view.status,
    last_available: probe.lastAvailable,
    last_checked: probe.lastChecked ? isoOf(probe.lastChecked) : null,
    health_state: view.phase,
    health_reason: view.reason,
    health_until: view.until === null ? null : new Date(view.until).toISOString(),
    time_left_ms: view.until === null ? null : Math.max(0, view.until - now),
  };
}

let lastMs = 0;
let lastIso = '';
/** Runs read the same few timestamps over and over: format each once. */
function isoOf(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
