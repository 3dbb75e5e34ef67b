import type { Queue } from 'bullmq';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';

/** Name of the BullMQ queue of probe jobs (under the Backstop key prefix). */
export const HEALTHCHECK_QUEUE = 'healthchecks';

export interface ProbeJobData {
  product: string;
  tag: string;
  env: string;
  /** The schedule's interval: a probe's timeout is bounded by it (jobs of older schedules lack it). */
  interval?: number;
}

export function schedulerId(product: string, tag: string, env: string): string {
  return `${product}.${tag}.${env}`;
}

/**
 * One BullMQ job scheduler per healthcheck and env. `upsertJobScheduler` is idempotent, so every
 * process that starts may call this: there is still one scheduler. Envs dropped by an update lose
 * theirs. `interval` is the healthcheck's, or the shortest `check_interval` a fallback asks for.
 */
export async function upsertProbeSchedulers(
  queue: Queue<ProbeJobData>,
  product: string,
  definition: HealthcheckDefinition,
  interval: number,
): Promise<void> {
  const wanted = new Set(definition.envs.map((e) => schedulerId(product, definition.tag, e.slug)));
  for (const env of definition.envs) {
    await queue.upsertJobScheduler(
      schedulerId(product, definition.tag, env.slug),
      { every: interval },
      {
        name: definition.tag,
        data: { product, tag: definition.tag, env: env.slug, interval },
        opts: RETENTION,
      },
    );
  }
  await removeProbeSchedulers(queue, product, definition.tag, wanted);
}

/** Removes the schedulers of a healthcheck, except those in `keep`. */
export async function removeProbeSchedulers(
  queue: Queue<ProbeJobData>,
  product: string,
  tag: string,
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  const prefix = `${product}.${tag}.`;
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    if (scheduler.key.startsWith(prefix) && !keep.has(scheduler.key))
      await queue.removeJobScheduler(scheduler.key);
  }
}

/** Probe jobs are many and small: keep a few for inspection, never all. */
const RETENTION = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };
