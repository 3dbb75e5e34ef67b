import { REDACTED } from '../core/redacted.js';

export { REDACTED };

/**
 * Values shorter than this are not redacted by value: they would match ordinary text ("true",
 * "prod") and mangle every answer. A secret that short is not a secret; declaring one is warned.
 */
export const MIN_REDACTED_LENGTH = 8;

/** Registered values past this are ignored (a resolver that returns a new value on every call). */
const MAX_VALUES = 10_000;

/**
 * The values that must never leave this process except towards a provider: resolved `$Secret{}`
 * values, app header values, API keys. Applied where data leaves: provider error excerpts, job
 * data and return values written to Redis, log lines, API answers and dashboard pages. Matching is
 * by value, so a provider that echoes a request back cannot carry a secret out in its answer.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;
  private stale = false;

  /** Registers a value (and the spellings it takes inside JSON text and URLs). */
  add(value: string | undefined): void {
    if (value === undefined || value.length < MIN_REDACTED_LENGTH) return;
    if (this.values.has(value) || this.values.size >= MAX_VALUES) return;
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])) {
      this.values.add(form);
    }
    this.stale = true;
  }

  /** Whether any value is registered (the common case of no secrets costs nothing). */
  get empty(): boolean {
    return this.values.size === 0;
  }

  /** The text with every registered value replaced by `[redacted]`. */
  scrub(text: string): string {
    const pattern = this.current();
    if (!pattern || text.length < MIN_REDACTED_LENGTH) return text;
    pattern.lastIndex = 0;
    return pattern.test(text) ? text.replace(pattern, REDACTED) : text;
  }

  /**
   * A JSON value with every registered value replaced, inside strings and keys alike; the value
   * itself when nothing matched (no copy). Values JSON cannot carry are returned as they are.
   */
  scrubValue<T>(value: T): T {
    const pattern = this.current();
    if (!pattern || value === undefined || value === null) return value;
    if (typeof value === 'string') return this.scrub(value) as T;
    if (typeof value !== 'object') return value;
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch {
      return value;
    }
    pattern.lastIndex = 0;
    if (!pattern.test(text)) return value;
    return JSON.parse(text.replace(pattern, REDACTED)) as T;
  }

  /** An error's message and stack scrubbed in place (its class, and so its meaning, kept). */
  scrubError<E>(error: E): E {
    if (!(error instanceof Error) || this.empty) return error;
    const message = this.scrub(error.message);
    if (message !== error.message) error.message = message;
    if (error.stack) error.stack = this.scrub(error.stack);
    return error;
  }

  private current(): RegExp | undefined {
    if (this.stale) {
      // Longest first: a value that contains another is replaced whole.
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map(escapeForPattern).join('|'), 'g');
      this.stale = false;
    }
    return this.pattern;
  }
}

function escapeForPattern(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * This process's registry: one, so that every place data leaves (logs written before any Backstop
 * exists, workers, the API) scrubs the same values.
 */
export const redactor = new Redactor();
