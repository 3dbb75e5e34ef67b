import type { AttemptRecord } from './attempt.js';
import { BackstopError, type ErrorCode, ErrorCodes } from './errors.js';
import type { AttemptFailure } from './failure.js';

export interface RunErrorData {
  runId: string;
  product: string;
  tag: string;
  env: string;
  attempts: readonly AttemptRecord[];
  /** Each provider's last failure, in chain order; providers never called are absent. */
  providerErrors: Readonly<Record<string, AttemptFailure>>;
}

/** A run that returned no result. Carries every attempt and each provider's last error. */
export abstract class FallbackRunError extends BackstopError implements RunErrorData {
  readonly runId: string;
  readonly product: string;
  readonly tag: string;
  readonly env: string;
  readonly attempts: readonly AttemptRecord[];
  readonly providerErrors: Readonly<Record<string, AttemptFailure>>;

  constructor(code: ErrorCode, message: string, data: RunErrorData, cause?: unknown) {
    super(code, message, { cause });
    this.runId = data.runId;
    this.product = data.product;
    this.tag = data.tag;
    this.env = data.env;
    this.attempts = data.attempts;
    this.providerErrors = data.providerErrors;
  }

  override toJSON(): Record<string, unknown> {
    const providerErrors = Object.fromEntries(
      Object.entries(this.providerErrors).map(([p, f]) => [
        p,
        { code: f.code, message: f.message, status: f.status },
      ]),
    );
    return { ...super.toJSON(), runId: this.runId, tag: this.tag, attempts: this.attempts, providerErrors };
  }
}

/** Every provider failed or was skipped. */
export class FallbackExhaustedError extends FallbackRunError {
  constructor(data: RunErrorData) {
    super(ErrorCodes.FALLBACK_EXHAUSTED, `fallback '${data.tag}' exhausted: ${summarize(data)}`, data);
  }
}

/** A failure classified `stop` ended the chain before the remaining providers were tried. */
export class FallbackStoppedError extends FallbackRunError {
  constructor(
    data: RunErrorData,
    readonly provider: string,
    cause: unknown,
  ) {
    const failure = data.providerErrors[provider];
    super(
      ErrorCodes.FALLBACK_STOPPED,
      `fallback '${data.tag}' stopped at provider '${provider}': ${failure?.message ?? 'stop'}`,
      data,
      cause,
    );
  }
}

/**
 * A provider may have acted on its last call and the chain does not fail over blindly
 * (`onAmbiguous: 'stop'`, or `'verify'` when the provider could not tell): the run ends here, naming
 * the provider and the idempotency key so that an operator can reconcile with the provider.
 */
export class FallbackAmbiguousError extends FallbackRunError {
  constructor(
    data: RunErrorData,
    readonly provider: string,
    readonly idempotencyKey: string,
    /** What verify answered, when the chain asked. */
    readonly verify: 'unknown' | undefined,
    cause: unknown,
  ) {
    const failure = data.providerErrors[provider];
    const asked = verify ? ', and asking it could not tell' : '';
    super(
      ErrorCodes.FALLBACK_AMBIGUOUS,
      `fallback '${data.tag}' stopped at provider '${provider}': its call may have gone through (${failure?.code ?? 'unknown'}: ${failure?.message ?? 'no answer'})${asked}; not failing over. Reconcile idempotency key '${idempotencyKey}' with '${provider}'`,
      data,
      cause,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider, idempotencyKey: this.idempotencyKey };
  }
}

/** The run's overall deadline passed. */
export class DeadlineExceededError extends FallbackRunError {
  constructor(
    data: RunErrorData,
    readonly deadlineMs: number,
  ) {
    super(
      ErrorCodes.DEADLINE_EXCEEDED,
      `fallback '${data.tag}' deadline of ${deadlineMs} ms exceeded: ${summarize(data)}`,
      data,
    );
  }
}

/** The caller aborted the run through its signal. */
export class RunAbortedError extends FallbackRunError {
  constructor(data: RunErrorData, reason: unknown) {
    super(ErrorCodes.ABORTED, `fallback '${data.tag}' aborted by the caller`, data, reason);
  }
}

/** The provider answered but mapping its response failed: the chain stops, since the call succeeded. */
export class MappingFailedError extends FallbackRunError {
  constructor(
    data: RunErrorData,
    readonly provider: string,
    readonly response: unknown,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      ErrorCodes.MAPPING_FAILED,
      `fallback '${data.tag}': provider '${provider}' succeeded but mapping its response failed (${reason}); not failing over, to avoid a second call`,
      data,
      cause,
    );
  }
}

function summarize(data: RunErrorData): string {
  const parts = Object.entries(data.providerErrors).map(([p, f]) => `${p}: ${f.message}`);
  const skipped = data.attempts
    .filter((a) => a.outcome === 'skipped')
    .map((a) => `${a.provider}: skipped (${a.skipped})`);
  return [...parts, ...skipped].join('; ') || 'no provider was tried';
}
