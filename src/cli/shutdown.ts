import type { Io } from './io.js';

type Exit = (code: number) => void;

const DUPLICATE_WINDOW_MS = 300;

/**
 * What a long-running command started, stopped in reverse order of starting (graphile-worker's
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
  run(report: (name: string, error: unknown) => void, progress?: (name: string) => void): Promise<boolean> {
    this.running ??= (async () => {
      let ok = true;
      for (const step of this.steps.splice(0).reverse()) {
        progress?.(step.name);
        try {
          await step.run();
        } catch (error) {
          ok = false;
          report(step.name, error);
        }
      }
      return ok;
    })();
    return this.running;
  }
}

/**
 * First SIGINT/SIGTERM: run the cleanup (workers finish their running jobs within their grace),
 * then exit 0. A second signal exits at once with 1; an embedded redis-server is killed on exit,
 * and unfinished jobs come back to another worker as stalled jobs.
 */
export function exitOnSignals(cleanup: Cleanup, io: Io, exit: Exit = (code) => process.exit(code)): void {
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // One keypress can arrive twice: to the process group and relayed by a parent (npm, tsx,
      // timeout). Only a second signal a person sent counts as "force".
      if (Date.now() - stoppingSince < DUPLICATE_WINDOW_MS) return;
      io.err(`${signal} again: exiting now`);
      exit(1);
      return;
    }
    stoppingSince = Date.now();
    io.err(`${signal}: shutting down gracefully (send it again to force)`);
    void stopAndExit(cleanup, io, 0, exit);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Runs the cleanup and exits: with `code` when it went well, else 1. */
export async function stopAndExit(
  cleanup: Cleanup,
  io: Io,
  code: number,
  exit: Exit = (c) => process.exit(c),
): Promise<void> {
  const ok = await cleanup.run(
    (name, error) => io.err(`shutdown: ${name} failed: ${(error as Error).message}`),
    (name) => io.err(`shutdown: stopping ${name}`),
  );
  exit(ok ? code : 1);
}
