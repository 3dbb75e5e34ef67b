import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { featuresAreNotCached } from '../cache/cache-definition.js';
import type { Caches } from '../cache/caches.js';
import type { Clock } from '../core/clock.js';
import type { Defaults } from '../core/defaults.js';
import { groupBy } from '../core/group-by.js';
import { type RunTarget, resolveTarget, runTargetShape, sessionOf } from '../core/run-target.js';
import { DEFAULT_MIN_SCHEDULE_INTERVAL_MS, resolveSchedule, type Schedule } from '../core/schedule.js';
import { ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import type { SessionRegistry } from '../session/session-registry.js';
import { batchDefinition } from './batch-job.js';
import type { JobData, JobKind } from './job-data.js';
import { existingHandle, handleOf, type JobHandle, type ScheduleHandle } from './job-handle.js';
import { jobIdSchema } from './job-id.js';
import type { JobQueues } from './job-queues.js';
import type { JobDefinition } from './job-strategy.js';
import { newJobId, queueFor, randomKey } from './queue-names.js';
import { sealedFor } from './sealed-for.js';
import { compactJobData, type StoredJobData } from './stored-job-data.js';

/** `fallback.dispatch({ env, product, tag, input, schedule, jobId })`, plus recurring forms. */
export interface DispatchParams extends RunTarget {
  schedule?: Schedule;
  /** Your id for this job: dispatching it again returns the existing job instead of a second one.
   *  For a recurring schedule, its id (dispatching again updates it). */
  jobId?: string;
}

const dispatchSchema = z.strictObject({
  ...runTargetShape,
  schedule: z.unknown().optional(),
  jobId: jobIdSchema.optional(),
});

type Prepared = {
  data: JobData;
  /** What the job's hash holds: `data` less what the job itself says (stored-job-data.ts). */
  stored: StoredJobData;
  opts: JobsOptions;
  schedule: ReturnType<typeof resolveSchedule>;
  /** The named queue the job goes to (its definition's `queue`, else its product). */
  queue: string;
  /** The id is one we made (new, so not looked for before adding). */
  ownId: boolean;
};

export interface ProducerDeps {
  definitions: DefinitionResolver;
  /** The shortest interval a recurring schedule may have (BACKSTOP_MIN_SCHEDULE_INTERVAL_MS). */
  minScheduleIntervalMs?: number /** Verifies a session token and seals it for job data (never stored in clear). */;
  sessions: SessionRegistry;
  caches: Caches;
  defaults: Defaults;
  clock: Clock;
}

/**
 * Validates a dispatch completely (tag, input against the definition, schedule) before anything is
 * queued, then adds the job. Needs no worker: the producer works on its own.
 */
export class Producer {
  constructor(
    private readonly queues: JobQueues,
    private readonly deps: ProducerDeps,
  ) {}

  async dispatch(params: DispatchParams, kind: JobKind = 'fallback'): Promise<JobHandle | ScheduleHandle> {
    const prepared = await this.prepare(params, '', kind);
    const queue = await this.queues.jobQueue(prepared.queue);
    const { data, opts, schedule } = prepared;
    if (schedule.kind !== 'once') {
      const id = params.jobId ?? `${data.product}.${data.env}.${data.tag}`;
      const repeat =
        schedule.kind === 'cron'
          ? { pattern: schedule.pattern, tz: schedule.tz }
          : { every: schedule.everyMs };
      const first = await queue.upsertJobScheduler(id, repeat, {
        name: data.tag,
        data: { ...data, schedulerId: id },
      });
      return {
        id,
        tag: data.tag,
        product: data.product,
        env: data.env,
        ...(schedule.kind === 'cron'
          ? { cron: schedule.pattern, tz: schedule.tz }
          : { every: schedule.everyMs }),
        next: first ? new Date(first.timestamp + (first.opts.delay ?? 0)).toISOString() : undefined,
        state: 'scheduled',
      };
    }
    if (opts.jobId && !prepared.ownId) {
      const existing = await queue.getJob(opts.jobId);
      if (existing) return existingHandle(existing, await existing.getState());
    }
    const job = await queue.add(data.tag, prepared.stored, opts);
    return handleOf(job.id!, data, schedule.delayMs > 0 ? 'delayed' : 'waiting');
  }

  /** Many one-off jobs in one round trip. All are validated first: one bad item queues none. */
  async dispatchBulk(list: DispatchParams[]): Promise<JobHandle[]> {
    if (!Array.isArray(list))
      throw ValidationError.field('(root)', 'expected an array of dispatch parameters');
    const prepared: Prepared[] = [];
    // Each distinct chain is looked up once, not once an item.
    const chains = new Map<string, Promise<JobDefinition>>();
    const resolve = (product: string, tag: string, kind: JobKind) => {
      const key = `${product}\u0000${tag}`;
      let chain = chains.get(key);
      if (!chain) {
        chain = this.resolve(product, tag, kind);
        chains.set(key, chain);
      }
      return chain;
    };
    for (const [index, params] of list.entries()) {
      const item = await this.prepare(params, `[${index}]`, 'fallback', resolve);
      if (item.schedule.kind !== 'once') {
        throw ValidationError.field(
          `[${index}].schedule`,
          'dispatchBulk takes delay or at; dispatch recurring schedules one by one',
        );
      }
      prepared.push(item);
    }
    // One round trip per queue: items are grouped by the queue their definition names.
    const byQueue = groupBy(prepared.keys(), (i) => prepared[i]!.queue);
    const handles: JobHandle[] = new Array(prepared.length);
    for (const [name, indexes] of byQueue) {
      const queue = await this.queues.jobQueue(name);
      const items = indexes.map((i) => prepared[i]!);
      const existing = await Promise.all(
        items.map((p) => (p.opts.jobId && !p.ownId ? queue.getJob(p.opts.jobId) : undefined)),
      );
      const fresh = items.filter((_, i) => !existing[i]);
      const added = await queue.addBulk(
        fresh.map((p) => ({ name: p.data.tag, data: p.stored, opts: p.opts })),
      );
      let next = 0;
      for (const [k, p] of items.entries()) {
        const found = existing[k];
        const schedule = p.schedule as { delayMs: number };
        handles[indexes[k]!] = found
          ? existingHandle(found, await found.getState())
          : handleOf(added[next++]!.id!, p.data, schedule.delayMs > 0 ? 'delayed' : 'waiting');
      }
    }
    return handles;
  }

  private resolve(product: string, tag: string, kind: JobKind): Promise<JobDefinition> {
    const { definitions } = this.deps;
    if (kind === 'feature') return definitions.feature(product, tag);
    if (kind === 'batch') return definitions.fallback(product, tag).then(batchDefinition);
    return kind === 'quota' ? definitions.quota(product, tag) : definitions.fallback(product, tag);
  }

  private async prepare(
    params: DispatchParams,
    root: string,
    kind: JobKind,
    resolve = (product: string, tag: string, k: JobKind) => this.resolve(product, tag, k),
  ): Promise<Prepared> {
    const parsed = parseOrThrow(dispatchSchema, params, 'invalid dispatch parameters', root);
    const { env, product } = resolveTarget(parsed, this.deps.defaults);
    const session = sessionOf(parsed.session);
    const cache = parsed.cache || undefined;
    if (cache && kind === 'feature') {
      throw featuresAreNotCached();
    }
    if (cache && kind === 'batch')
      throw ValidationError.field('cache', 'batch runs are not cached; name a cache on single runs');
    const chain = await resolve(product, parsed.tag, kind);
    const input = withRoot(root, () => chain.validateInput(parsed.input ?? {}));
    const now = this.deps.clock.now();
    const limits = { minIntervalMs: this.deps.minScheduleIntervalMs ?? DEFAULT_MIN_SCHEDULE_INTERVAL_MS };
    const schedule = withRoot(root, () =>
      resolveSchedule(parsed.schedule as Schedule | undefined, now, limits),
    );
    // The job id's random key roots the providers' idempotency keys unless the caller gives one.
    const ownKey = parsed.jobId === undefined ? randomKey() : undefined;
    const data: JobData = {
      v: 1,
      product,
      tag: parsed.tag,
      env,
      input,
      idempotencyKey: parsed.idempotencyKey ?? ownKey ?? randomKey(),
      dispatchedAt: now,
      runAt: schedule.kind === 'once' ? schedule.runAt : now,
      version: chain.version,
    };
    if (kind !== 'fallback') data.kind = kind;
    if (cache) {
      await withRootAsync(root, () => this.deps.caches.check(cache));
      data.cache = cache;
    }
    // Verified now (a bad token queues nothing), sealed for the worker, which verifies it again.
    if (session)
      data.session = await withRootAsync(root, () =>
        this.deps.sessions.verifyAndSeal(session, sealedFor(data)),
      );
    // BullMQ counts the delay from the job's timestamp, taken when it is added: pin it to ours, or
    // the time spent preparing the rest of a bulk would make each job late by that much. Pinned,
    // it is also the dispatch time the job data then need not repeat.
    const opts: JobsOptions = { timestamp: now };
    if (schedule.kind === 'once' && schedule.delayMs > 0) opts.delay = schedule.delayMs;
    const queue = queueFor(chain, product);
    // The caller's id (which makes a dispatch idempotent), or one that names its queue.
    opts.jobId = parsed.jobId ?? newJobId(queue, ownKey);
    const stored =
      this.queues.format === 'full'
        ? data
        : compactJobData(data, { id: opts.jobId, name: data.tag, queueName: queue, timestamp: now, opts });
    return { data, stored, opts, schedule, queue, ownId: parsed.jobId === undefined };
  }
}

/** Prefixes the paths of a validation error with the item's place in a bulk dispatch. */
function withRoot<T>(root: string, fn: () => T): T {
  if (!root) return fn();
  try {
    return fn();
  } catch (error) {
    throw rooted(root, error);
  }
}

async function withRootAsync<T>(root: string, fn: () => Promise<T>): Promise<T> {
  if (!root) return fn();
  try {
    return await fn();
  } catch (error) {
    throw rooted(root, error);
  }
}

function rooted(root: string, error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  const issues = error.issues.map((i) => ({ path: `${root}.${i.path}`, message: i.message }));
  return new ValidationError(issues, 'invalid dispatch parameters');
}
