import type { Logger } from '../../src/core/logger.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps every line (with its child bindings merged in), for tests that read logs. */
export function captureLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, obj: { ...bindings, ...obj }, msg });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
  };
}
