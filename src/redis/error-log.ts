import type { Logger } from '../core/logger.js';
import { redisErrorCode } from './redis-errors.js';

/** Repeats of one kind of error are logged once per this long, with a count. */
export const ERROR_LOG_INTERVAL_MS = 10_000;

type Window = { count: number; since: number; timer: NodeJS.Timeout; fields: object; msg: string };

/**
 * One log line per kind of error per interval, with how many there were: a background loop that
 * fails on every turn (a worker at Redis's maxmemory, a queue without Redis) must say so without
 * writing thousands of lines a second. The first of a kind is logged at once; the others are
 * counted and reported in one line when the interval ends.
 */
export class ErrorLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = ERROR_LOG_INTERVAL_MS,
  ) {}

  /** Logs `error` under `msg`, unless one of its kind was logged within the interval. */
  error(error: unknown, msg: string, fields: object = {}): void {
    const code = redisErrorCode(error);
    const kind = `${msg}\u0000${code ?? kindOf(error)}`;
    const open = this.windows.get(kind);
    if (open) {
      open.count++;
      return;
    }
    const line = { ...fields, ...(code ? { code } : {}), err: error };
    this.logger.error(line, msg);
    const timer = setTimeout(() => this.close(kind), this.intervalMs);
    timer.unref();
    this.windows.set(kind, {
      count: 0,
      since: Date.now(),
      timer,
      fields: { ...fields, ...(code ? { code } : {}) },
      msg,
    });
  }

  /** Reports what is still counted (on shutdown). */
  flush(): void {
    for (const kind of [...this.windows.keys()]) this.close(kind);
  }

  private close(kind: string): void {
    const window = this.windows.get(kind);
    if (!window) return;
    clearTimeout(window.timer);
    this.windows.delete(kind);
    if (window.count === 0) return;
    const seconds = Math.round((Date.now() - window.since) / 1000);
    this.logger.error(
      { ...window.fields, repeated: window.count },
      `${window.msg} (${window.count} more in the last ${seconds} s)`,
    );
  }
}

/** Errors of one kind share their name and their message with numbers (job ids, ports) left out. */
function kindOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 80);
  return `${error.name}: ${error.message.replace(/\d+/g, 'N').slice(0, 80)}`;
}
