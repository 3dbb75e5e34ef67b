import { applyLive, applyLiveAll } from '../../../src/core/health/apply-live.js';
import { applyProbe } from '../../../src/core/health/apply-probe.js';
import {
  DEFAULT_HEALTH_POLICY,
  type HealthPolicy,
  type HealthPolicyInput,
  resolvePolicy,
} from '../../../src/core/health/health-policy.js';
import { type LiveSignal, signalOf } from '../../../src/core/health/live-signal.js';
import { phaseAt } from '../../../src/core/health/phase.js';
import { INITIAL_STATE, type ProviderState, streakWeight } from '../../../src/core/health/provider-state.js';
import type { CallOutcome } from '../../../src/core/health-view.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/**
 * One provider's state driven by calls and probes on a fake clock, through the model's pure rules
 * only: what a process's live recorder and probe worker feed them, in order.
 */
export class ModelKit {
  readonly clock = new FakeClock();
  state: ProviderState = INITIAL_STATE;
  readonly policy: HealthPolicy;

  /** Ejections take effect at once unless a test sets a confirmation window. */
  constructor(settings: HealthPolicyInput = {}) {
    this.policy = resolvePolicy(DEFAULT_HEALTH_POLICY, { ejection: { confirmMs: 0 } }, settings);
  }

  /** The streak's weight. */
  get streak(): number {
    return streakWeight(this.state.live);
  }

  get now(): number {
    return this.clock.now();
  }

  get phase() {
    return phaseAt(this.state, this.now);
  }

  /** A call that took `ms` and ends now (so it started `ms` ago). */
  call(
    kind: CallOutcome['kind'],
    ms = 10,
    failure?: CallOutcome['failure'],
    slowMs = Number.POSITIVE_INFINITY,
  ): this {
    const signal = signalOf({ provider: 'p', kind, latencyMs: ms, failure }, this.now, this.policy, slowMs);
    if (signal) this.state = applyLive(this.state, signal, this.now);
    return this;
  }

  fail(times = 1, ms = 10): this {
    for (let i = 0; i < times; i++) this.call('failure', ms, { code: 'BACKSTOP_PROVIDER_HTTP', status: 503 });
    return this;
  }

  succeed(times = 1, ms = 10): this {
    for (let i = 0; i < times; i++) this.call('success', ms);
    return this;
  }

  signals(signals: LiveSignal[]): this {
    this.state = applyLiveAll(this.state, signals, this.now);
    return this;
  }

  probe(ok: boolean, rules = { failures: 2, passes: 2 }): this {
    this.state = applyProbe(this.state, { ok, latencyMs: 5, at: this.now }, rules, this.policy);
    return this;
  }

  async wait(ms: number): Promise<this> {
    await this.clock.advance(ms);
    return this;
  }
}
