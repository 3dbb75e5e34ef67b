import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TrackedProvider } from '../client/health-api.js';
import type { AttemptRecord } from '../core/attempt.js';
import type { HealthChangedEvent } from '../core/events.js';
import { FallbackRunError } from '../core/run-errors.js';
import type { FallbackJobResult } from '../queue/job-data.js';
import type { RunReport } from '../runs/run-report.js';

/** Depths of the fallback queue, read at scrape time. */
export type QueueDepths = () => Promise<Record<'waiting' | 'delayed' | 'active' | 'failed', number>>;

const OUTCOME_OF_CODE: Record<string, string> = {
  BACKSTOP_FALLBACK_EXHAUSTED: 'exhausted',
  BACKSTOP_FALLBACK_STOPPED: 'stopped',
  BACKSTOP_DEADLINE_EXCEEDED: 'deadline_exceeded',
  BACKSTOP_MAPPING_FAILED: 'mapping_failed',
  BACKSTOP_ABORTED: 'aborted',
};

/**
 * Prometheus metrics of one app, in a registry of its own (two apps in one process do not
 * collide). Runs are counted from their reports and errors, so anything that has one (the run
 * route, a job's result) can `recordRun` it.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'tag' | 'outcome'>;
  private readonly attempts: Counter<'provider' | 'outcome'>;
  private readonly failovers: Counter<'tag' | 'from'>;
  private readonly skips: Counter<'provider' | 'reason'>;
  private readonly latency: Histogram<'provider' | 'outcome'>;

  constructor(depths: QueueDepths, health?: ProviderHealthSource) {
    const registers = [this.registry];
    this.runs = new Counter({
      name: 'backstop_runs_total',
      help: 'Fallback runs by tag and outcome (success, exhausted, stopped, deadline_exceeded, mapping_failed, aborted)',
      labelNames: ['tag', 'outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: 'backstop_attempts_total',
      help: 'Provider calls by provider and outcome (success, failure)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.failovers = new Counter({
      name: 'backstop_failovers_total',
      help: 'Times a chain moved on from a provider that failed',
      labelNames: ['tag', 'from'],
      registers,
    });
    this.skips = new Counter({
      name: 'backstop_provider_skips_total',
      help: 'Providers skipped without a call, by reason (unhealthy, deadline)',
      labelNames: ['provider', 'reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'backstop_attempt_duration_seconds',
      help: 'Duration of provider calls',
      labelNames: ['provider', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    queueGauges(registers, depths);
    if (health) healthMetrics(registers, health);
  }

  /**
   * Counts a finished run: its report (or a job's result) on success, its FallbackRunError on
   * failure. Anything else (a validation error, an unknown tag) was not a run and is ignored.
   */
  recordRun(outcome: RunReport | FallbackJobResult | FallbackRunError | unknown, tag?: string): void {
    if (outcome instanceof FallbackRunError) {
      this.count(outcome.tag, OUTCOME_OF_CODE[outcome.code] ?? 'error', outcome.attempts);
      return;
    }
    const report = outcome as Partial<RunReport> | undefined;
    if (report && typeof report.runId === 'string' && Array.isArray(report.attempts)) {
      this.count(tag ?? 'unknown', 'success', report.attempts);
    }
  }

  private count(tag: string, outcome: string, attempts: readonly AttemptRecord[]): void {
    this.runs.inc({ tag, outcome });
    attempts.forEach((a, i) => {
      if (a.outcome === 'skipped') {
        this.skips.inc({ provider: a.provider, reason: a.skipped ?? 'unknown' });
        return;
      }
      this.attempts.inc({ provider: a.provider, outcome: a.outcome });
      this.latency.observe({ provider: a.provider, outcome: a.outcome }, a.durationMs / 1000);
      // The provider's last attempt failed and another provider comes next.
      const next = attempts[i + 1];
      if (a.outcome === 'failure' && next && next.provider !== a.provider)
        this.failovers.inc({ tag, from: a.provider });
    });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Provider health as this process sees it, and its phase changes as they happen. */
export interface ProviderHealthSource {
  tracked(): TrackedProvider[];
  onChange(listener: (event: HealthChangedEvent) => void): () => void;
}

/**
 * Where each provider stands (one series per provider with its state and reason, 1), how long that
 * lasts and its traffic share, read from the local snapshot at scrape time; and every phase change
 * counted by state and reason (an alert on `reason="auth"` catches refused credentials).
 */
function healthMetrics(registers: Registry[], health: ProviderHealthSource): void {
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
      for (const p of health.tracked()) this.set({ ...labels(p), state: p.state, reason: p.reason ?? '' }, 1);
    },
  });
  new Gauge({
    name: 'backstop_provider_time_left_seconds',
    help: 'Until the current ejection, cool-down or slow start ends by time (absent when none)',
    labelNames: keyLabels,
    registers,
    collect() {
      this.reset();
      for (const p of health.tracked())
        if (p.time_left_ms !== null) this.set(labels(p), p.time_left_ms / 1000);
    },
  });
  new Gauge({
    name: 'backstop_provider_traffic_share',
    help: 'Share of runs that may call the provider: 0 out of rotation, growing during slow start, 1 in rotation',
    labelNames: keyLabels,
    registers,
    collect() {
      this.reset();
      for (const p of health.tracked()) this.set(labels(p), p.traffic_share);
    },
  });
  const changes = new Counter({
    name: 'backstop_health_changes_total',
    help: 'Provider phase changes seen by this process, by new state and reason',
    labelNames,
    registers,
  });
  health.onChange((e) =>
    changes.inc({
      product: e.product,
      env: e.env,
      provider: e.key,
      state: e.state ?? e.status,
      reason: e.reason ?? '',
    }),
  );
}

/** Queue depths and whether they could be read, from one read per scrape. */
function queueGauges(registers: Registry[], depths: QueueDepths): void {
  let pending: Promise<Awaited<ReturnType<QueueDepths>> | undefined> | undefined;
  // Both gauges collect in the same scrape: they share one read, forgotten right after.
  const read = () => {
    pending ??= depths()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  new Gauge({
    name: 'backstop_queue_jobs',
    help: 'Jobs in the fallback queue by state, read at scrape time',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await read();
      this.reset();
      if (counts) for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'backstop_queue_up',
    help: '1 when the queue depths could be read from Redis at this scrape, else 0',
    registers,
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
}
