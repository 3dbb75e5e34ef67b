import { type DestinationStream, pino } from 'pino';
import type { Logger } from './core/logger.js';
import { redactor as processRedactor, type Redactor } from './security/redactor.js';

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

/**
 * Backstop's pino logger. Besides the paths above, every line is scrubbed of every registered
 * secret value (resolved `$Secret{}` values, app header values, API keys) as it is written: that
 * covers messages, bindings and what serializers add (an error's message and stack).
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
  redactor: Redactor = processRedactor,
): Logger {
  const options = {
    level,
    base: { name: 'backstop', ...bindings },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: (line: string) => redactor.scrub(line) },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  scrubbing.add(logger);
  return logger;
}

const scrubbing = new WeakSet<object>();

/** Whether a logger came from `createLogger` and so scrubs its own lines (no second pass needed). */
export function scrubsItsLines(logger: object): boolean {
  return scrubbing.has(logger);
}
