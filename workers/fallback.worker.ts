/**
 * Worker process: runs dispatched fallback jobs.
 *   REDIS_URL=redis://127.0.0.1:6379 BACKSTOP_DEFINITIONS=./definitions.ts npx tsx workers/fallback.worker.ts
 * First SIGTERM/SIGINT: stop taking jobs, let running ones finish within BACKSTOP_SHUTDOWN_GRACE_MS,
 * then abort them (they are re-run elsewhere, resuming where they were). A second signal exits at once.
 */
import { loadConfig } from '../src/config.js';
import { startWorkerProcess } from '../src/worker-process.js';
import { exitOnSignals } from '../src/worker-signals.js';

const { backstop, worker } = await startWorkerProcess(loadConfig(), 'fallbacks');
backstop.logger.info({ pid: process.pid }, 'worker ready');
exitOnSignals(backstop, worker);
