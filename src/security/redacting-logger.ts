import { type Logger, silentLogger } from '../core/logger.js';
import type { Redactor } from './redactor.js';

/**
 * A logger given to `new Backstop({ logger })`, with every registered secret value scrubbed from
 * what is logged before it reaches it. Backstop's own pino logger scrubs whole lines instead
 * (src/logger.ts), which also covers what its serializers add.
 */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  // Nothing is written: nothing to scrub, and no wrapper on every child a job or attempt makes.
  return logger === silentLogger ? logger : new RedactingLogger(logger, redactor);
}

class RedactingLogger implements Logger {
  constructor(
    private readonly logger: Logger,
    private readonly redactor: Redactor,
  ) {}

  debug(obj: object, msg?: string): void {
    this.logger.debug(this.scrubbed(obj), this.text(msg));
  }
  info(obj: object, msg?: string): void {
    this.logger.info(this.scrubbed(obj), this.text(msg));
  }
  warn(obj: object, msg?: string): void {
    this.logger.warn(this.scrubbed(obj), this.text(msg));
  }
  error(obj: object, msg?: string): void {
    this.logger.error(this.scrubbed(obj), this.text(msg));
  }
  child(bindings: Record<string, unknown>): Logger {
    return new RedactingLogger(this.logger.child(bindings), this.redactor);
  }
  isLevelEnabled(level: string): boolean {
    return this.logger.isLevelEnabled?.(level) !== false;
  }

  private scrubbed(obj: object): object {
    if (this.redactor.empty) return obj;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(obj)) {
      out[key] = value instanceof Error ? this.redactor.scrubError(value) : this.redactor.scrubValue(value);
    }
    return out;
  }

  private text(msg: string | undefined): string | undefined {
    return msg === undefined ? msg : this.redactor.scrub(msg);
  }
}
