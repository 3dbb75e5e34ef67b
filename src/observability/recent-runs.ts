import type { EventBus } from '../core/event-bus.js';
import { groupBy } from '../core/group-by.js';
import type { Logger } from '../core/logger.js';
import { ValidationError } from '../core/validation-error.js';
import { BatchedWrites } from '../redis/batched-writes.js';
import { luaCommand } from '../redis/lua-command.js';
import type { Stores } from '../store/redis-stores.js';
import { type RecentRun, recentRunOf } from './recent-run-entry.js';

export type { RecentAttempt, RecentRun } from './recent-run-entry.js';

export interface RecentRunsLimits {
  /** Runs kept per product (the list is trimmed to this many on every write); 0 keeps none. */
  max: number;
  /** How long a run is shown; the list itself expires this long after its last write. */
  windowMs: number;
}

/** The `recentRuns` option over the configuration's defaults; bad values name their field. */
export function recentRunsLimits(
  option: { max?: number; windowMs?: number } | false | undefined,
  defaults: RecentRunsLimits,
): RecentRunsLimits {
  if (option === false) return { max: 0, windowMs: defaults.windowMs };
  const max = option?.max ?? defaults.max;
  const windowMs = option?.windowMs ?? defaults.windowMs;
  if (!Number.isInteger(max) || max < 0 || max > 100_000)
    throw ValidationError.field('recentRuns.max', 'expected a whole number from 0 to 100000');
  if (!Number.isInteger(windowMs) || windowMs < 1)
    throw ValidationError.field('recentRuns.windowMs', 'expected a positive whole number of ms');
  return { max, windowMs };
}

export interface RecentRunsQuery {
  product: string;
  /** At most this many, newest first. Default 100. */
  limit?: number;
  /** Only the run with this run id, job id or idempotency key, or runs whose tag, env, provider or outcome contains this (any case). */
  search?: string;
}

/** Runs ending within 25 ms of each other are written in one call. */
const BATCH = { flushMs: 25, maxBatch: 64 };

/**
 * One product's new runs onto its list, kept to `max` entries and `windowMs`, and the product named
 * in the set the view offers. A script rather than a pipeline: ioredis copies every script defined
 * on a connection (BullMQ defines dozens on this one) into each pipeline it makes, which cost a
 * worker more CPU than the writes. KEYS: list, products. ARGV: max, window ms, product, entries...
 */
const PUSH_RUNS = `
redis.call("LPUSH", KEYS[1], unpack(ARGV, 4))
redis.call("LTRIM", KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call("PEXPIRE", KEYS[1], ARGV[2])
redis.call("SADD", KEYS[2], ARGV[3])
return 1
`;

// Defined on each connection when first used there: the stores may reconnect with a new one.
// Applied once: a batch sent again after a lost reply would show its runs twice.
const pushRuns = luaCommand<number>('backstopPushRuns', PUSH_RUNS, { once: true });

/** Jobs started whose run has not ended yet; a job that fails before its run never ends one. */
const MAX_FOLLOWED = 10_000;

/**
 * The runs view's store: every top-level run that ends in this process (a library call, an HTTP
 * run, a worker's job) is summarised from its `run.ended` event and pushed onto its product's
 * list in Redis, capped at `max` entries and shown for `windowMs`. Every process writes its own
 * runs, so the list holds all of them. Writes are batched and never awaited by a run; a write
 * that fails logs one `BACKSTOP_RECENT_RUNS_FAILED` line per spell of trouble. A process that
 * has not connected to Redis (code-first chains with in-process handlers) keeps no runs: the view
 * is no reason to open a connection, or start an embedded redis-server.
 */
export class RecentRuns {
  private readonly offs: (() => void)[] = [];
  /** Job id → its queue and how late it started, from `job.started` until its run ends. */
  private readonly jobs = new Map<string, { queue: string; lateMs: number }>();
  private readonly writes: BatchedWrites<RecentRun>;

  constructor(
    events: EventBus,
    private readonly stores: () => Promise<Stores>,
    /** Whether this process is connected to Redis already: the view never opens a connection itself. */
    private readonly connected: () => boolean,
    logger: Logger,
    readonly limits: RecentRunsLimits,
  ) {
    this.writes = new BatchedWrites((batch) => this.write(batch), BATCH, {
      logger,
      code: 'BACKSTOP_RECENT_RUNS_FAILED',
      message: 'could not write recent runs',
    });
    if (limits.max <= 0) return;
    this.offs.push(
      events.on('job.started', (e) => {
        if (this.jobs.size >= MAX_FOLLOWED) this.jobs.clear();
        this.jobs.set(e.jobId, { queue: e.queue, lateMs: e.lateMs });
      }),
      events.on('run.ended', (e) => {
        // Nested runs (a chain called by a chain or a feature) are part of their parent's story.
        if (e.run.depth > 0) return;
        const started = this.jobs.get(e.run.runId);
        if (started !== undefined) this.jobs.delete(e.run.runId);
        const job = started === undefined ? undefined : { jobId: e.run.runId, ...started };
        this.push(recentRunOf(e, job));
      }),
    );
  }

  /** The product's latest runs within the window, newest first. */
  async list(query: RecentRunsQuery): Promise<RecentRun[]> {
    const { redis, keys } = await this.stores();
    const limit = Math.min(Math.max(query.limit ?? 100, 1), Math.max(this.limits.max, 1));
    const raw = await redis.lrange(keys.recentRuns(query.product), 0, this.limits.max - 1);
    const since = Date.now() - this.limits.windowMs;
    const needle = query.search?.trim().toLowerCase();
    const runs: RecentRun[] = [];
    for (const text of raw) {
      const run = parse(text);
      if (!run || run.at < since) continue;
      if (needle && !matches(run, needle)) continue;
      runs.push(run);
      if (runs.length >= limit) break;
    }
    return runs;
  }

  /** Products that have runs in the view. */
  async products(): Promise<string[]> {
    const { redis, keys } = await this.stores();
    return (await redis.smembers(keys.recentRunProducts())).sort();
  }

  /** Stops listening and writes what is still waiting. */
  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.jobs.clear();
    await this.writes.flush();
  }

  private push(run: RecentRun): void {
    this.writes.add(run);
  }

  private async write(batch: RecentRun[]): Promise<void> {
    if (!this.connected()) return;
    const { redis, keys } = await this.stores();
    const { max, windowMs } = this.limits;
    await Promise.all(
      [...groupBy(batch, (run) => run.product)].map(([product, runs]) =>
        pushRuns(
          redis,
          [keys.recentRuns(product), keys.recentRunProducts()],
          [max, windowMs, product, ...runs.map((run) => JSON.stringify(run))],
        ),
      ),
    );
  }
}

function parse(text: string): RecentRun | undefined {
  try {
    const run = JSON.parse(text) as RecentRun;
    return typeof run?.at === 'number' && typeof run.runId === 'string' ? run : undefined;
  } catch {
    return undefined;
  }
}

function matches(run: RecentRun, needle: string): boolean {
  // Ids match whole (job id `1` is not every id with a 1 in it); names match in part.
  for (const id of [run.runId, run.jobId, run.idempotencyKey]) if (id?.toLowerCase() === needle) return true;
  return [run.tag, run.env, run.provider, run.outcome].some((field) => field?.toLowerCase().includes(needle));
}
