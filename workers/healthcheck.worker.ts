/**
 * Worker process: runs healthcheck probes on their schedules and keeps provider state in Redis.
 *   REDIS_URL=redis://127.0.0.1:6379 BACKSTOP_DEFINITIONS=./definitions.ts npx tsx workers/healthcheck.worker.ts
 * Declarative healthchecks come from Redis; code-first ones (health.define) from BACKSTOP_DEFINITIONS.
 */
import { loadConfig } from '../src/config.js';
import { Cleanup, exitOnSignals, logReport } from '../src/shutdown.js';
import { startWorkerProcess } from '../src/worker-process.js';

const { backstop, worker, endpoint } = await startWorkerProcess(loadConfig(), 'healthchecks');
const cleanup = new Cleanup();
cleanup.add('backstop', () => backstop.close());
cleanup.add('worker', () => worker.close());
if (endpoint) cleanup.add('endpoint', () => endpoint.close());
backstop.logger.info({ pid: process.pid }, 'worker ready');
exitOnSignals(cleanup, logReport(backstop.logger, 'shutting down: finishing running jobs', 'worker stopped'));
