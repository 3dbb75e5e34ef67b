import type { Worker } from 'bullmq';
import type { JobWorker } from './job-worker.js';

/** What `backstop.worker()` returns: the fallback worker, the healthcheck worker, or both. */
export class BackstopWorker {
  constructor(
    readonly fallbacks: JobWorker | undefined,
    readonly healthchecks: Worker | undefined,
    private readonly release: () => void,
  ) {}

  /** Healthchecks first (they are cheap to stop), then fallback jobs, gracefully within the grace. */
  async close(graceMs?: number): Promise<void> {
    await this.healthchecks?.close();
    this.healthchecks?.disconnect?.();
    await this.fallbacks?.close(graceMs);
    this.release();
  }

  /** The named job queues its fallback worker takes jobs from (grows as new queues appear, unless named). */
  get queues(): string[] | undefined {
    return this.fallbacks?.queues;
  }

  get running(): boolean {
    // A healthcheck worker paused while Redis is full (worker-guard.ts) is alive, waiting.
    return Boolean(
      this.fallbacks?.running || this.healthchecks?.isRunning() || this.healthchecks?.isPaused(),
    );
  }
}
