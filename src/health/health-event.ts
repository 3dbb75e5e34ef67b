import type { CircuitState } from '../core/health/circuit.js';
import type { ProbeState } from '../core/health/probe-state.js';

/** Published on every provider state change, so every process updates its snapshot at once. */
export type HealthEvent =
  | { kind: 'probe'; product: string; env: string; key: string; state: ProbeState }
  | { kind: 'circuit'; product: string; env: string; key: string; state: CircuitState }
  | { kind: 'reset'; product: string; env: string; key: string };

export function snapshotKey(product: string, env: string, key: string): string {
  return `${product}\u0000${env}\u0000${key}`;
}

export function indexMember(kind: 'probe' | 'circuit', product: string, env: string, key: string): string {
  return `${kind}|${product}|${env}|${key}`;
}
