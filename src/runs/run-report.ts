import type { CacheInfo } from '../cache/cached-run.js';
import type { AttemptRecord } from '../core/attempt.js';

/** What `fallback.runDetailed` returns: the result and how it was reached. */
export interface RunReport<T = Record<string, unknown>> {
  runId: string;
  provider: string;
  result: T & { provider: string };
  attempts: AttemptRecord[];
  durationMs: number;
  /** Present when the run named a cache: whether the result was served from it. */
  cache?: CacheInfo | undefined;
}
