import { type Config, secretNameProblem, secretsFromEnv } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { SecretSource } from '../core/template/secret-source.js';
import { ValidationError } from '../core/validation-error.js';
import { MIN_REDACTED_LENGTH, type Redactor } from './redactor.js';

/** A secret registered in code: its value, or a function read at each call (a rotating key). */
export type SecretValue = string | (() => string | undefined);

/**
 * The secrets `$Secret{}` may read: those the operator declared in the environment
 * (BACKSTOP_SECRETS, BACKSTOP_SECRET_<NAME>) and those registered in code
 * (`new Backstop({ secrets })`). Every value is registered with the redactor, so that it is
 * scrubbed wherever it would leave the process except towards a provider.
 */
export class SecretStore implements SecretSource {
  private constructor(
    private readonly entries: ReadonlyMap<string, SecretValue | undefined>,
    private readonly redactor: Redactor,
  ) {}

  static create(
    config: Config,
    env: NodeJS.ProcessEnv,
    code: Record<string, SecretValue> | undefined,
    redactor: Redactor,
    logger: Logger,
  ): SecretStore {
    const entries = new Map<string, SecretValue | undefined>(secretsFromEnv(env, config));
    const issues: { path: string; message: string }[] = [];
    for (const [name, value] of Object.entries(code ?? {})) {
      const problem = entries.has(name)
        ? `'${name}' is declared in the environment too; declare it in one place`
        : (secretNameProblem(name) ??
          (typeof value === 'string' || typeof value === 'function'
            ? undefined
            : 'expected a string or a function'));
      if (problem) issues.push({ path: `secrets.${name}`, message: problem });
      else entries.set(name, value);
    }
    if (issues.length > 0) throw new ValidationError(issues, 'invalid Backstop options');
    for (const [name, value] of entries) {
      if (typeof value !== 'string') continue;
      if (value.length < MIN_REDACTED_LENGTH)
        logger.warn(
          { secret: name },
          `secret '${name}' is shorter than ${MIN_REDACTED_LENGTH} characters: it cannot be redacted by value`,
        );
      redactor.add(value);
    }
    return new SecretStore(entries, redactor);
  }

  declared(name: string): boolean {
    return this.entries.has(name);
  }

  resolve(name: string): string | undefined {
    const entry = this.entries.get(name);
    const value = typeof entry === 'function' ? entry() : entry;
    if (typeof value !== 'string') return undefined;
    // Getters may return a new value at any call: each is registered before it is used.
    if (typeof entry === 'function') this.redactor.add(value);
    return value;
  }

  /** The declared names (never the values), for messages and status pages. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }
}
