import { randomUUID } from 'node:crypto';
import { ValidationError } from '../core/validation-error.js';
import { JOB_QUEUE } from './job-data.js';

/**
 * Which named queue a job goes to: the definition's `queue`, else its product. Each queue is a BullMQ
 * queue under a hash tag of its own (`{backstop:jobs:<queue>}`), so a Redis Cluster spreads queues
 * over masters and operators can give a queue its own workers (`backstop worker --queues`).
 */
export function queueFor(definition: { queue?: string | undefined }, product: string): string {
  return definition.queue ?? product;
}

/**
 * The queue of releases before named queues (`fallback-jobs` under the plain prefix): still
 * drained by workers that take every queue, so jobs queued before an upgrade run.
 */
export const LEGACY_QUEUE = JOB_QUEUE;

/** A job id that says its queue (`<queue>.<uuid>`), so `jobs.get(id)` goes straight to it. */
export function newJobId(queue: string): string {
  return `${queue}.${randomUUID()}`;
}

/** The queue a job id names, when it is one of ours; custom ids are looked for in every queue. */
export function queueOfJobId(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id.slice(dot + 1))
    ? id.slice(0, dot)
    : undefined;
}

/** `payments,sms` as `backstop worker --queues` and BACKSTOP_QUEUES take it. */
export function parseQueueList(text: string, field: string): string[] {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) throw ValidationError.field(field, 'expected queue names, e.g. payments,sms');
  for (const name of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name))
      throw ValidationError.field(field, `'${name}' is not a queue name (letters, digits, ".", "_", "-")`);
  }
  return [...new Set(names)];
}
