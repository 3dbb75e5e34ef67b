import { type CircuitPolicy, phaseOf } from '../core/health/circuit.js';
import type { CallOutcome, HealthKey, HealthView, ProviderHealth } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import type { CircuitStore } from './circuit-store.js';
import type { HealthSnapshot } from './health-snapshot.js';
import type { HistoryRecorder } from './history.js';

/**
 * The health view of a Backstop on Redis: reads come from the local snapshot; live outcomes go to
 * the shared circuit (only when they change something) and to the history, without waiting.
 */
export class RedisHealthView implements HealthView {
  private stores: { circuits: CircuitStore; history: HistoryRecorder } | undefined;

  constructor(
    readonly snapshot: HealthSnapshot,
    private readonly policy: CircuitPolicy,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Called once Redis is connected; until then outcomes are not recorded. */
  attach(circuits: CircuitStore, history: HistoryRecorder): void {
    this.stores = { circuits, history };
  }

  admit(key: HealthKey): boolean {
    return this.snapshot.admit(key);
  }

  peek(key: HealthKey): ProviderHealth | undefined {
    return this.snapshot.get(key);
  }

  record(key: HealthKey, outcome: CallOutcome): void {
    if (!this.stores) return;
    this.stores.history.add(key.product, key.env, outcome);
    if (outcome.kind !== 'success' && outcome.kind !== 'failure') return;
    if (!Number.isFinite(this.policy.threshold)) return; // circuits are off
    const ok = outcome.kind === 'success';
    // A success changes nothing when the circuit is closed with no failures counted: skip the write.
    const circuit = this.snapshot.circuit(key);
    if (ok && circuit.failures === 0 && phaseOf(circuit, this.now()) === 'closed') return;
    this.stores.circuits
      .record(key.product, key.env, key.healthcheck, ok, this.now(), this.policy)
      .catch((error) =>
        this.logger.warn({ err: error, healthcheck: key.healthcheck }, 'recording a live outcome failed'),
      );
  }
}
