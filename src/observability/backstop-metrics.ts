import { collectDefaultMetrics, Registry } from 'prom-client';
import type { TrackedProvider } from '../client/health-api.js';
import type { EventBus } from '../core/event-bus.js';
import { recordHealth } from './health-metrics.js';
import { type ReadQueue, recordQueue } from './queue-metrics.js';
import { recordRuns } from './run-metrics.js';

const LINT_FAILURES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface MetricsSources {
  events: EventBus;
  tracked: () => TrackedProvider[];
  readQueue: ReadQueue;
  /** False: runs, attempts and job lateness are not recorded (the gauges read at scrape time stay). */
  recordRuns?: boolean;
}

/**
 * The Prometheus metrics of one Backstop, in a registry of its own (two in one process do not
 * collide), recorded from its events in this process: what the library, a worker and the API ran
 * here. Node's process metrics (CPU, memory, event loop lag, GC) join at the first scrape, so a
 * process nobody scrapes does not pay for their timers.
 */
export class BackstopMetrics {
  readonly registry = new Registry();
  private readonly stops: (() => void)[];
  private withProcessMetrics = false;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const events = sources.recordRuns === false ? undefined : sources.events;
    this.stops = [
      recordRuns(events, registers),
      recordHealth(sources.events, registers, sources.tracked),
      recordQueue(events, registers, sources.readQueue),
    ];
  }

  /** The exposition, in Prometheus' text format. */
  async text(): Promise<string> {
    if (!this.withProcessMetrics) {
      this.withProcessMetrics = true;
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which Prometheus' linter (promtool check metrics) refuses; the
      // same figures stay as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
      for (const name of LINT_FAILURES) this.registry.removeSingleMetric(name);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops recording (the registry keeps what it has). */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
