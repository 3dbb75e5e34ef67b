import type { Queue } from 'bullmq';

/** Name of the BullMQ queue of probe jobs (under the Backstop key prefix). */
export const HEALTHCHECK_QUEUE = 'healthchecks';

/**
 * How the healthcheck queue is shown where it is listed beside the job queues (Bull Board,
 * `backstop status`). A product may be called `healthchecks` too, and its job queue then goes by
 * that bare name; no queue name holds a space or parentheses, so no job queue is shown as this.
 */
export const HEALTHCHECK_QUEUE_LABEL = `${HEALTHCHECK_QUEUE} (probes)`;

/** A round: every healthcheck and env probed at this interval, by one job (probe-rounds.ts). */
export interface RoundJobData {
  round: number;
}

/**
 * One probe of one healthcheck and env: the job of the per-healthcheck schedulers of earlier
 * versions. Still processed, so jobs queued before an upgrade are not lost.
 */
export interface LegacyProbeJobData {
  product: string;
  tag: string;
  env: string;
  /** The schedule's interval: a probe's timeout is bounded by it (jobs of older schedules lack it). */
  interval?: number;
}

export type ProbeJobData = RoundJobData | LegacyProbeJobData;

export function isRoundJob(data: ProbeJobData): data is RoundJobData {
  return typeof (data as RoundJobData).round === 'number';
}

/** The job scheduler (and job name) of the round of `interval` ms. */
export function roundSchedulerId(interval: number): string {
  return `round.${interval}ms`;
}

/** Upserts the job scheduler of a round: idempotent, and the same `every` keeps its phase. */
export async function upsertRoundScheduler(queue: Queue<ProbeJobData>, interval: number): Promise<void> {
  const id = roundSchedulerId(interval);
  await queue.upsertJobScheduler(
    id,
    { every: interval },
    { name: id, data: { round: interval }, opts: RETENTION },
  );
}

/** Probe jobs are many and small: keep a few for inspection, never all. */
const RETENTION = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };
