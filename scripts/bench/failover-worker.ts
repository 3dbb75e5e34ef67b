/**
 * A worker process of the failover benchmark (scripts/bench-failover.ts forks two per setup): a
 * Backstop with the setup's options running dispatched jobs (and, in the first one, the probes),
 * reporting every run's end to the parent over IPC, a batch every 100 ms.
 */

import { silentLogger } from '../../src/core/logger.js';
import { Backstop } from '../../src/index.js';
import type { SetupSpec } from './failover-setups.js';

export interface EndedRun {
  runId: string;
  at: number;
  durationMs: number;
  outcome: string;
  provider: string | undefined;
  /** [provider, outcome, startedAt ms, duration ms] per attempt. */
  attempts: [string, string, number, number][];
}

const spec = JSON.parse(process.env.BENCH_SETUP ?? '{}') as SetupSpec;
const backstop = new Backstop({
  redis: process.env.REDIS_URL,
  prefix: process.env.BENCH_PREFIX,
  product: 'bench',
  env: 'prd',
  logger: silentLogger,
  ...spec.backstop,
});
let batch: EndedRun[] = [];
backstop.on('run.ended', (event) => {
  batch.push({
    runId: event.run.runId,
    at: event.at,
    durationMs: event.durationMs,
    outcome: event.outcome,
    provider: event.provider,
    attempts: event.attempts.map((a) => [a.provider, a.outcome, Date.parse(a.startedAt), a.durationMs]),
  });
});
const timer = setInterval(() => {
  if (batch.length === 0) return;
  process.send?.({ runs: batch });
  batch = [];
}, 100);
const worker = await backstop.worker({
  healthchecks: process.env.BENCH_HEALTHCHECKS === '1',
  healthConcurrency: spec.healthConcurrency,
});
process.send?.({ ready: true });
process.on('disconnect', () => {
  clearInterval(timer);
  void worker
    .close()
    .then(() => backstop.close())
    .finally(() => process.exit(0));
});
