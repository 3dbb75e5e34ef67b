import type { Worker } from 'bullmq';
import { ErrorCodes } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ErrorLog } from './error-log.js';
import { redisErrorCode } from './redis-errors.js';

const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;

/** What `guardWorker` tells about the worker it watches. */
export interface WorkerGuard {
  /** True while fetching is paused because Redis refused writes: the worker is alive, waiting. */
  readonly backingOff: boolean;
  stop(): void;
}

/**
 * Logs a BullMQ worker's errors one line per kind per interval, and stops it from spinning when
 * Redis is full: BullMQ's main loop retries a failed fetch at once unless the error is a
 * connection error, so at `maxmemory` every turn fails with OOM and the loop burns a core
 * (taskforcesh/bullmq#3834, OptimalBits/bull#1304). On OOM the worker stops fetching (running jobs
 * go on) for 1 s, then 2, 4… up to 30 s while Redis stays full.
 */
export function guardWorker(worker: Worker, logger: Logger, msg: string): WorkerGuard {
  const log = new ErrorLog(logger);
  let pauseMs = FIRST_PAUSE_MS;
  let lastFull = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const state = {
    get backingOff() {
      return timer !== undefined;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      log.flush();
    },
  };
  worker.on('error', (error) => {
    log.error(error, msg);
    if (stopped || timer || redisErrorCode(error) !== ErrorCodes.REDIS_FULL) return;
    const now = Date.now();
    // Full again soon after the last pause: wait longer; after a quiet spell, start over.
    pauseMs = now - lastFull < pauseMs * 4 ? Math.min(pauseMs * 2, LONGEST_PAUSE_MS) : FIRST_PAUSE_MS;
    lastFull = now;
    void worker.pause(true).catch(() => {});
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped && !worker.closing) void worker.resume().catch(() => {});
    }, pauseMs);
    timer.unref();
  });
  return state;
}
