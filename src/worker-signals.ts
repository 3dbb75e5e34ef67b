import type { Backstop } from './backstop.js';
import type { BackstopWorker } from './queue/backstop-worker.js';

/**
 * First SIGTERM/SIGINT: stop taking jobs, let running ones finish within the grace, close, exit 0.
 * A second signal exits at once (its jobs come back to another worker as stalled jobs).
 */
export function exitOnSignals(backstop: Backstop, worker: BackstopWorker): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      backstop.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    backstop.logger.info({ signal }, 'shutting down: finishing running jobs');
    worker
      .close()
      .then(() => backstop.close())
      .then(
        () => {
          backstop.logger.info({}, 'worker stopped');
          process.exit(0);
        },
        (error: unknown) => {
          backstop.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
