import type { Registry } from 'prom-client';
import type { EventBus } from '../core/event-bus.js';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import { attemptLabel, codeLabel, runOutcome, seconds } from './metric-labels.js';

const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Runs, attempts, failovers, skips and ambiguous outcomes, counted from the engine's events in
 * whichever process the run happens (a library call, a worker, the HTTP API): each run is counted
 * once, where it ran. Returns the function that stops listening.
 */
export function recordRuns(events: EventBus | undefined, registers: Registry[]): () => void {
  const runs = new FastCounter({
    name: 'backstop_runs_total',
    help: 'Fallback runs by product, tag, outcome (success, exhausted, stopped, deadline_exceeded, mapping_failed, aborted, error) and serving provider (none when it failed)',
    labelNames: ['product', 'tag', 'outcome', 'provider'],
    registers,
  });
  const runDuration = new FastHistogram(
    {
      name: 'backstop_run_duration_seconds',
      help: 'Duration of fallback runs, retries and backoff included',
      labelNames: ['product', 'tag', 'outcome'],
      registers,
    },
    RUN_BUCKETS,
  );
  const attempts = new FastCounter({
    name: 'backstop_attempts_total',
    help: 'Provider calls by provider, outcome (success, failure, verify), verdict (retry, ambiguous, failover, stop; none on success) and error code',
    labelNames: ['provider', 'outcome', 'verdict', 'code'],
    registers,
  });
  const attemptDuration = new FastHistogram(
    {
      name: 'backstop_attempt_duration_seconds',
      help: 'Duration of provider calls by provider, outcome and attempt number (1, 2, 3, 4+)',
      labelNames: ['provider', 'outcome', 'attempt'],
      registers,
    },
    ATTEMPT_BUCKETS,
  );
  const failovers = new FastCounter({
    name: 'backstop_failovers_total',
    help: 'Times a chain moved on to another provider after one failed, by tag, from and to',
    labelNames: ['tag', 'from', 'to'],
    registers,
  });
  const skips = new FastCounter({
    name: 'backstop_provider_skips_total',
    help: 'Providers passed over without a call, by reason (unhealthy, deadline)',
    labelNames: ['provider', 'reason'],
    registers,
  });
  const ambiguous = new FastCounter({
    name: 'backstop_ambiguous_total',
    help: 'Providers that may have acted when their retries ran out, by what the chain did (failover, stop, verify)',
    labelNames: ['provider', 'decision'],
    registers,
  });
  const drilled = new FastCounter({
    name: 'backstop_drill_attempts_total',
    help: 'Attempts a failover drill decided (failed without a call, or slowed), by provider and outcome: drills, not outages',
    labelNames: ['provider', 'outcome'],
    registers,
  });
  if (!events) return () => {};
  const offs = [
    events.on('run.ended', (e) => {
      const outcome = runOutcome(e.outcome);
      const { product, tag } = e.run;
      runs.inc(product, tag, outcome, e.provider ?? 'none');
      runDuration.observe(seconds(e.durationMs), product, tag, outcome);
    }),
    events.on('attempt.ended', ({ record }) => {
      const verdict = record.error?.verdict ?? 'none';
      attempts.inc(record.provider, record.outcome, verdict, codeLabel(record.error?.code));
      if (record.drill) drilled.inc(record.provider, record.outcome);
      // A verify line is a question about an earlier call, not a call of its own.
      if (record.outcome === 'verify') return;
      attemptDuration.observe(
        seconds(record.durationMs),
        record.provider,
        record.outcome,
        attemptLabel(record.attempt),
      );
    }),
    events.on('failover', (e) => failovers.inc(e.run.tag, e.from, e.to)),
    events.on('provider.skipped', (e) => skips.inc(e.provider, e.reason)),
    events.on('ambiguous', (e) => ambiguous.inc(e.provider, e.decision)),
  ];
  return () => {
    for (const off of offs) off();
  };
}
