import { Counter, Gauge, type Registry } from 'prom-client';
import type { TrackedProvider } from '../client/health-api.js';
import type { EventBus } from '../core/event-bus.js';

/**
 * Where each provider stands (one series per provider with its state and reason, 1), how long that
 * lasts and its traffic share, read from this process's snapshot at scrape time; and every phase
 * change counted by state and reason, ejections apart (an alert on `reason="auth"` catches refused
 * credentials). Returns the function that stops listening.
 */
export function recordHealth(
  events: EventBus,
  registers: Registry[],
  tracked: () => TrackedProvider[],
): () => void {
  const labelNames = ['product', 'env', 'provider', 'state', 'reason'] as const;
  const keyLabels = ['product', 'env', 'provider'] as const;
  const labels = (p: TrackedProvider) => ({ product: p.product, env: p.env, provider: p.healthcheck });
  new Gauge({
    name: 'backstop_provider_state',
    help: 'Provider health by state (healthy, unknown, ejected, cooling, trial, ramping) and reason: 1 for the current one',
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const p of tracked()) this.set({ ...labels(p), state: p.state, reason: p.reason ?? '' }, 1);
    },
  });
  new Gauge({
    name: 'backstop_provider_time_left_seconds',
    help: 'Until the current ejection, cool-down or slow start ends by time (absent when none)',
    labelNames: keyLabels,
    registers,
    collect() {
      this.reset();
      for (const p of tracked()) if (p.time_left_ms !== null) this.set(labels(p), p.time_left_ms / 1000);
    },
  });
  new Gauge({
    name: 'backstop_provider_traffic_share',
    help: 'Share of runs that may call the provider: 0 out of rotation, growing during slow start, 1 in rotation',
    labelNames: keyLabels,
    registers,
    collect() {
      this.reset();
      for (const p of tracked()) this.set(labels(p), p.traffic_share);
    },
  });
  const changes = new Counter({
    name: 'backstop_health_changes_total',
    help: 'Provider phase changes seen by this process, by new state and reason',
    labelNames,
    registers,
  });
  const ejections = new Counter({
    name: 'backstop_provider_ejections_total',
    help: 'Providers taken out of rotation, seen by this process, by reason (consecutive-failures, failure-rate, latency, auth, probe, operator, retry-after)',
    labelNames: ['product', 'env', 'provider', 'reason'],
    registers,
  });
  return events.on('health.changed', (e) => {
    const reason = e.reason ?? '';
    const key = { product: e.product, env: e.env, provider: e.key };
    changes.inc({ ...key, state: e.state ?? e.status, reason });
    if (e.state === 'ejected') ejections.inc({ ...key, reason });
  });
}
