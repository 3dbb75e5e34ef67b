import {
  Cleanup,
  exitOnSignals as onSignals,
  type ShutdownReport,
  stopAndExit as stopWith,
} from '../shutdown.js';
import type { Io } from './io.js';

export { Cleanup };

/** One keypress can reach a CLI twice: to the process group, and relayed by npm or tsx. */
const DUPLICATE_WINDOW_MS = 300;

/** The CLI reports its shutdown as lines on stderr. */
function ioReport(io: Io): ShutdownReport {
  return {
    stopping: (signal) => io.err(`${signal}: shutting down gracefully (send it again to force)`),
    forced: (signal) => io.err(`${signal} again: exiting now`),
    step: (name) => io.err(`shutdown: stopping ${name}`),
    failed: (name, error) => io.err(`shutdown: ${name} failed: ${(error as Error).message}`),
  };
}

export function exitOnSignals(cleanup: Cleanup, io: Io): void {
  onSignals(cleanup, ioReport(io), { duplicateWindowMs: DUPLICATE_WINDOW_MS });
}

export function stopAndExit(cleanup: Cleanup, io: Io, code: number): Promise<void> {
  return stopWith(cleanup, ioReport(io), code);
}
