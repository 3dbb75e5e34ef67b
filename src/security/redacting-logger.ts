import type { Logger } from '../core/logger.js';
import type { Redactor } from './redactor.js';

/**
 * A logger given to `new Backstop({ logger })`, with every registered secret value scrubbed from
 * what is logged before it reaches it. Backstop's own pino logger scrubs whole lines instead
 * (src/logger.ts), which also covers what its serializers add.
 */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  const scrubbed = (obj: object): object => {
    if (redactor.empty) return obj;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(obj)) {
      out[key] = value instanceof Error ? redactor.scrubError(value) : redactor.scrubValue(value);
    }
    return out;
  };
  const text = (msg: string | undefined) => (msg === undefined ? msg : redactor.scrub(msg));
  return {
    debug: (obj, msg) => logger.debug(scrubbed(obj), text(msg)),
    info: (obj, msg) => logger.info(scrubbed(obj), text(msg)),
    warn: (obj, msg) => logger.warn(scrubbed(obj), text(msg)),
    error: (obj, msg) => logger.error(scrubbed(obj), text(msg)),
    child: (bindings) => redactingLogger(logger.child(bindings), redactor),
    ...(logger.isLevelEnabled ? { isLevelEnabled: (level: string) => logger.isLevelEnabled!(level) } : {}),
  };
}
