/**
 * Worker process: runs dispatched fallback jobs.
 *   REDIS_URL=redis://127.0.0.1:6379 BACKSTOP_DEFINITIONS=./definitions.ts npx tsx workers/fallback.worker.ts
 * First SIGTERM/SIGINT: stop taking jobs, let running ones finish within BACKSTOP_SHUTDOWN_GRACE_MS,
 * then abort them (they are re-run elsewhere, resuming where they were). A second signal exits at once.
 */
import { loadConfig } from '../src/config.js';
import { Cleanup, exitOnSignals, logReport } from '../src/shutdown.js';
import { startWorkerProcess } from '../src/worker-process.js';

const { backstop, worker, endpoint } = await startWorkerProcess(loadConfig(), 'fallbacks');
const cleanup = new Cleanup();
cleanup.add('backstop', () => backstop.close());
cleanup.add('worker', () => worker.close());
if (endpoint) cleanup.add('endpoint', () => endpoint.close());
backstop.logger.info({ pid: process.pid }, 'worker ready');
exitOnSignals(cleanup, logReport(backstop.logger, 'shutting down: finishing running jobs', 'worker stopped'));
