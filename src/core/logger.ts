/** The slice of a pino logger the core uses, so the core does not import pino. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  /** pino has it; lets callers skip work for lines that would not be written. */
  isLevelEnabled?(level: string): boolean;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * A child logger made on first use: most jobs and runs never log, and a child costs an allocation.
 * A class, not an object of closures: one allocation per job instead of seven.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  return parent === silentLogger ? silentLogger : new LazyChild(parent, bindings);
}

class LazyChild implements Logger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  debug(obj: object, msg?: string): void {
    if (this.isLevelEnabled('debug')) this.get().debug(obj, msg);
  }
  info(obj: object, msg?: string): void {
    if (this.isLevelEnabled('info')) this.get().info(obj, msg);
  }
  warn(obj: object, msg?: string): void {
    if (this.isLevelEnabled('warn')) this.get().warn(obj, msg);
  }
  error(obj: object, msg?: string): void {
    if (this.isLevelEnabled('error')) this.get().error(obj, msg);
  }
  child(more: Record<string, unknown>): Logger {
    return this.get().child(more);
  }
  isLevelEnabled(level: string): boolean {
    return this.parent.isLevelEnabled?.(level) !== false;
  }

  private get(): Logger {
    this.made ??= this.parent.child(this.bindings);
    return this.made;
  }
}
