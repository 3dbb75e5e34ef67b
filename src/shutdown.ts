import type { Logger } from './core/logger.js';

type Exit = (code: number) => void;
const processExit: Exit = (code) => process.exit(code);

/**
 * What a long-running process started, stopped in reverse order of starting (graphile-worker's
 * rule): what was started last depends on what was started first. A step that fails is reported
 * and the rest still run.
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];
  private running: Promise<boolean> | undefined;

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** Resolves true when every step succeeded. Runs once; later calls get the same answer. */
  run(report: Pick<ShutdownReport, 'step' | 'failed'>): Promise<boolean> {
    this.running ??= (async () => {
      let ok = true;
      for (const step of this.steps.splice(0).reverse()) {
        report.step?.(step.name);
        try {
          await step.run();
        } catch (error) {
          ok = false;
          report.failed(step.name, error);
        }
      }
      return ok;
    })();
    return this.running;
  }
}

/** How a process tells what its shutdown is doing: lines on stderr (CLI) or log lines (workers, API). */
export interface ShutdownReport {
  stopping(signal: NodeJS.Signals): void;
  forced(signal: NodeJS.Signals): void;
  step?(name: string): void;
  failed(name: string, error: unknown): void;
  stopped?(): void;
}

/**
 * First SIGINT/SIGTERM: run the cleanup (workers finish their running jobs within their grace),
 * then exit 0. A second signal exits at once with 1; an embedded redis-server is killed on exit,
 * and unfinished jobs come back to another worker as stalled jobs. `duplicateWindowMs`: a second
 * signal that soon after the first is the same keypress relayed by a parent (npm, tsx), not "force".
 */
export function exitOnSignals(
  cleanup: Cleanup,
  report: ShutdownReport,
  options: { duplicateWindowMs?: number; exit?: Exit } = {},
): void {
  const { duplicateWindowMs = 0, exit = processExit } = options;
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < duplicateWindowMs) return;
      report.forced(signal);
      exit(1);
      return;
    }
    stoppingSince = Date.now();
    report.stopping(signal);
    void stopAndExit(cleanup, report, 0, exit);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Runs the cleanup and exits: with `code` when it went well, else 1. */
export async function stopAndExit(
  cleanup: Cleanup,
  report: ShutdownReport,
  code: number,
  exit = processExit,
): Promise<void> {
  const ok = await cleanup.run(report);
  if (ok) report.stopped?.();
  exit(ok ? code : 1);
}

/** The report of a process whose output is its pino log. */
export function logReport(logger: Logger, stoppingMessage: string, stoppedMessage?: string): ShutdownReport {
  return {
    stopping: (signal) => logger.info({ signal }, stoppingMessage),
    forced: (signal) => logger.warn({ signal }, 'second signal: exiting now'),
    failed: (step, error) =>
      logger.error({ code: 'BACKSTOP_SHUTDOWN_FAILED', err: error, step }, 'shutdown failed'),
    stopped: stoppedMessage ? () => logger.info({}, stoppedMessage) : undefined,
  };
}
