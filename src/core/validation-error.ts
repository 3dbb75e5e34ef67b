import { BackstopError, ErrorCodes } from './errors.js';

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `options[1].retries` or `input.amount`. */
  path: string;
  message: string;
}

/** Bad input anywhere: definitions, run parameters, templates. Names every offending field. */
export class ValidationError extends BackstopError {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], context?: string) {
    const head = context ? `${context}: ` : '';
    super(ErrorCodes.VALIDATION, head + issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '));
    this.issues = issues;
  }

  static field(path: string, message: string, context?: string): ValidationError {
    return new ValidationError([{ path, message }], context);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

export class NotFoundError extends BackstopError {
  constructor(
    readonly kind: string,
    readonly tag: string,
    readonly product?: string,
  ) {
    super(ErrorCodes.NOT_FOUND, `${kind} '${tag}' not found${product ? ` in product '${product}'` : ''}`);
  }
}

export class ConflictError extends BackstopError {
  constructor(message: string) {
    super(ErrorCodes.CONFLICT, message);
  }
}

export class UnsupportedError extends BackstopError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(ErrorCodes.UNSUPPORTED, `${field}: ${message}`);
  }
}
