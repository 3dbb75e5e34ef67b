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

/** A child logger made on first use: most jobs and runs never log, and a child costs an allocation. */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const get = () => {
    child ??= parent.child(bindings);
    return child;
  };
  const off = (level: string) => parent.isLevelEnabled?.(level) === false;
  return {
    debug: (obj, msg) => off('debug') || get().debug(obj, msg),
    info: (obj, msg) => off('info') || get().info(obj, msg),
    warn: (obj, msg) => off('warn') || get().warn(obj, msg),
    error: (obj, msg) => off('error') || get().error(obj, msg),
    child: (more) => get().child(more),
    isLevelEnabled: (level) => !off(level),
  };
}
