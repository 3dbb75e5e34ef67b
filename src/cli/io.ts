/** Where a command writes and what it reads from its environment; the entry passes the process's. */
export interface Io {
  /** One line (or block) of output for the user, on stdout. */
  out(text: string): void;
  /** Diagnostics and errors, on stderr. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
    env: process.env,
  };
}
