import type { Job } from 'bullmq';
import type { InputValidator } from '../core/input-schema.js';
import type { Logger } from '../core/logger.js';
import type { Claims } from '../core/session.js';
import type { JobData, JobResult } from './job-data.js';

/** What a job runs, as found when it starts. */
export interface JobDefinition {
  version: number;
  /** The named queue its jobs go to; its product's queue when unset. */
  queue?: string | undefined;
  validateInput: InputValidator;
}

/** Everything the lifecycle has prepared for one run of a job. */
export interface JobRun<D extends JobDefinition> {
  job: Job<JobData, JobResult>;
  data: JobData;
  definition: D;
  /** The job's input, validated again if the definition changed since dispatch. */
  input: Record<string, unknown>;
  session: Claims | undefined;
  /** Roots the providers' idempotency keys: the same on every re-run of the job. */
  runKey: string;
  /** Aborts the run when the worker's shutdown grace is over. */
  signal: AbortSignal;
  logger: Logger;
  /**
   * Records the job's progress, only while this worker holds its lock (job-fence.ts): throws
   * LockLostError otherwise, and the run must then call nothing more.
   */
  save(data: JobData): Promise<void>;
}

/** How one run of a job ended, and what the job data must remember of it. */
export type JobOutcome =
  | { kind: 'completed'; result: JobResult; detail?: Record<string, unknown> }
  /** Stopped by the worker's shutdown: not the job's failure; it runs again and resumes. */
  | { kind: 'interrupted'; progress: Partial<JobData>; message: string }
  /** The run's own failure (the chain exhausted or stopped, a feature step failed): final. */
  | {
      kind: 'failed';
      progress: Partial<JobData>;
      code: string;
      message: string;
      detail?: Record<string, unknown>;
    };

/** What differs between kinds of job: which definition they run and how. */
export interface JobStrategy<D extends JobDefinition> {
  resolve(data: JobData): Promise<D>;
  run(run: JobRun<D>): Promise<JobOutcome>;
}
