import type { Logger } from '../core/logger.js';
import { TroubleSpell } from './trouble-spell.js';

/** How long writes wait for company, and how many make a batch that goes at once. */
export interface BatchSettings {
  flushMs: number;
  maxBatch: number;
}

/**
 * Writes that nobody awaits (job logs, the runs view), sent in batches: everything added within
 * `flushMs` goes in one call of `write` (one pipeline, one socket write), or at once when
 * `maxBatch` are waiting. A socket write costs a worker more CPU than the rest of a job's handling,
 * so one per job is what this avoids. A failing `write` is logged once per spell of trouble, with
 * its code, not once per batch.
 */
export class BatchedWrites<T> {
  private pending: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly spell: TroubleSpell;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly settings: BatchSettings,
    trouble: { logger: Logger; code: string; message: string },
  ) {
    this.spell = new TroubleSpell(trouble);
  }

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.settings.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.settings.flushMs);
  }

  /** Sends what is waiting now; resolves when it is written (or its failure logged). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      await this.write(batch);
      this.spell.ok();
    } catch (error) {
      this.spell.failed(error);
    }
  }
}

/** Throws the first error of a pipeline's results, so a batch that partly failed counts as failed. */
export function throwOnPipelineError(results: [Error | null, unknown][] | null): void {
  const failed = (results ?? []).find(([error]) => error);
  if (failed) throw failed[0];
}
