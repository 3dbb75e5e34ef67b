import { randomBytes } from 'node:crypto';
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

/** Letters and digits: an id reads cleanly in URLs, logs and Bull Board. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 21 base-62 characters: 125 random bits, more than a UUID's 122, in 21 bytes instead of 36. */
const KEY_LENGTH = 21;
const OWN_KEY = /^[0-9A-Za-z]{21}$/;
/** Ids of releases before the short form: `<queue>.<uuid>`. */
const OLD_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Random bytes drawn in blocks: one `randomBytes` call (a system call) per key cost a dispatch
 * about 4 µs of its CPU, so keys take their bytes from a block refilled when used up, as Node's
 * own `randomUUID` does with its cache.
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomByte(): number {
  if (poolAt >= pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

/**
 * A random key of 21 letters and digits. Every byte below 248 (4 × 62) picks a character, so
 * each is equally likely; the rest are drawn again.
 */
export function randomKey(): string {
  let key = '';
  while (key.length < KEY_LENGTH) {
    const byte = randomByte();
    if (byte < 248) key += BASE62[byte % 62];
  }
  return key;
}

/**
 * A job id that says its queue (`<queue>.<key>`), so `jobs.get(id)` goes straight to it. Its key
 * is the job's own random part: it roots the providers' idempotency keys when the caller gives
 * none (ownKeyOf), so the job data need not carry a second random value. BullMQ keeps a job's id
 * several times (its hash's key, the delayed set, its options, each event): it is kept short.
 */
export function newJobId(queue: string, key = randomKey()): string {
  return `${queue}.${key}`;
}

/** The queue a job id names, when it is one of ours; custom ids are looked for in every queue. */
export function queueOfJobId(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const key = id.slice(dot + 1);
  return OWN_KEY.test(key) || OLD_KEY.test(key) ? id.slice(0, dot) : undefined;
}

/** The random key of a job id in the short form (`<queue>.<key>`), when it is one. */
export function ownKeyOf(id: string | undefined): string | undefined {
  const dot = id?.lastIndexOf('.') ?? -1;
  if (!id || dot <= 0) return undefined;
  const key = id.slice(dot + 1);
  return OWN_KEY.test(key) ? key : undefined;
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
