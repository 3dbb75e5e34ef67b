/**
 * Worker process: runs dispatched fallback jobs.
 *   REDIS_URL=redis://127.0.0.1:6379 BACKSTOP_DEFINITIONS=./definitions.ts npx tsx workers/fallback.worker.ts
 * First SIGTERM/SIGINT: stop taking jobs, let running ones finish within BACKSTOP_SHUTDOWN_GRACE_MS,
 * then abort them (they are re-run elsewhere, resuming where they were). A second signal exits at once.
 */
import { loadConfig } from '../src/config.js';
import { startWorkerProcess } from '../src/worker-process.js';

const config = loadConfig();
const { backstop, worker } = await startWorkerProcess(config);
backstop.logger.info({ pid: process.pid }, 'worker ready');

let stopping = false;
const stop = (signal: string) => {
  if (stopping) {
    backstop.logger.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  backstop.logger.info({ signal }, 'shutting down: finishing running jobs');
  void worker
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
