import { pino } from 'pino';
import type { Logger } from '../core/logger.js';
import { REDACTED_PATHS } from '../logger.js';

/**
 * pino on stderr, for `backstop dev`: stdout is for the person at the terminal (URLs, the demo's
 * progress), log lines go beside it. Same redaction as the processes' logger.
 */
export function stderrLogger(level: string): Logger {
  return pino(
    { level, base: { name: 'backstop' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: true }),
  );
}
