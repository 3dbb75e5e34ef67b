import { z } from 'zod';
import type { CacheInfo } from '../cache/cached-run.js';
import type { AttemptRecord } from '../core/attempt.js';
import type { BatchItemResult } from '../core/batch/batch-result.js';
import type { StepRecord } from '../core/feature/step-record.js';
import type { SealedSession } from '../core/session.js';

/**
 * Name of the BullMQ queue of dispatched runs, fallbacks and features alike (under the Backstop
 * key prefix). The name is kept from the first release so that queued jobs survive upgrades.
 */
export const JOB_QUEUE = 'fallback-jobs';

/** What a job runs. */
export type JobKind = 'fallback' | 'quota' | 'batch' | 'feature';

/**
 * What a dispatched job carries, as the code reads it. Versioned, so a newer worker can still read
 * older jobs: `v: 1` holds every field; `v: 2` leaves out what the job itself says (stored-job-data.ts).
 */
export interface JobData {
  v: 1 | 2;
  product: string;
  tag: string;
  env: string;
  input: Record<string, unknown>;
  /**
   * Roots the providers' idempotency keys: the caller's key, or a random key made at dispatch
   * (earlier releases: a UUID), which is also the random part of an id we make. Never a counter
   * id such as BullMQ's own: those restart at 1 on a fresh Redis and would reuse keys that
   * providers remember.
   */
  idempotencyKey: string;
  /** Set on jobs made by a recurring schedule: each occurrence then gets keys of its own. */
  schedulerId?: string | undefined;
  dispatchedAt: number;
  /** When the job was meant to run (ms since epoch); for lateness and `jobs.get`. */
  runAt: number;
  /** The definition's version the input was validated against at dispatch. */
  version?: number | undefined;
  /** How far earlier runs of this job got: a re-run starts at `startAt`, never paying earlier providers again. */
  progress?: { startAt: number; attempts: AttemptRecord[] } | undefined;
  /** Why the chain failed, written before the job is failed. */
  failure?: { code: string; message: string } | undefined;
  /** Absent for fallback jobs; `quota` for `quota.dispatch`, `batch` for `fallback.dispatchBatch`, `feature` for `features.dispatch`. */
  kind?: Exclude<JobKind, 'fallback'> | undefined;
  /** The session token, sealed (AES-256-GCM) at dispatch: never in clear. The worker verifies it again. */
  session?: SealedSession | undefined;
  /** The result cache the run goes through. */
  cache?: string | undefined;
  /** A feature job: the steps earlier runs completed (their outputs are reused, not run again). */
  steps?: StepRecord[] | undefined;
}

/** What a completed job returns. */
export interface FallbackJobResult {
  runId: string;
  provider: string;
  result: Record<string, unknown>;
  attempts: AttemptRecord[];
  /** Whether the result came from the cache the job named. */
  cache?: CacheInfo | undefined;
}

/** What a completed batch job returns: every item's provider and output, or its error, in input order. */
export interface BatchJobResult {
  runId: string;
  items: BatchItemResult[];
  calls: { provider: string; items: number; served: number; batch: boolean }[];
}

/** What a completed feature job returns. */
export interface FeatureJobResult {
  runId: string;
  output: unknown;
  steps: StepRecord[];
}

/** What a completed job of the fallback queue returns: a chain's result or a feature's output. */
export type JobResult = FallbackJobResult | FeatureJobResult | BatchJobResult;

export const jobDataSchema = z.looseObject({
  v: z.union([z.literal(1), z.literal(2)]),
  product: z.string().min(1),
  tag: z.string().min(1),
  env: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string().min(1),
  schedulerId: z.string().optional(),
  dispatchedAt: z.number(),
  runAt: z.number(),
  version: z.number().optional(),
  progress: z.object({ startAt: z.number().int().min(0), attempts: z.array(z.any()) }).optional(),
});
