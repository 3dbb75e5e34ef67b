import { pino } from 'pino';
import type { Logger } from './core/logger.js';

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'session.token',
  'secret',
  '*.secret',
];

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { name: 'backstop', ...bindings },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
