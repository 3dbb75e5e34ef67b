import type { ProviderStatus } from '../health-view.js';
import { type CircuitState, phaseOf } from './circuit.js';
import type { ProbeState } from './probe-state.js';

/**
 * The one rule that merges active and passive health into `provider_status`:
 * 1. an open circuit (live traffic failed `threshold` times in a row, cooldown not over) → unhealthy;
 * 2. otherwise the probes' verdict: healthy, unhealthy, or unknown when nothing probed it yet.
 * A half-open circuit does not hide the provider: the next call is its trial.
 */
export function mergedStatus(probe: ProbeState, circuit: CircuitState, now: number): ProviderStatus {
  if (phaseOf(circuit, now) === 'open') return 'unhealthy';
  return probe.status;
}
