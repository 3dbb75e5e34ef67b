import { BackstopError, ErrorCodes } from './errors.js';

/** Why a session token was refused. `keys-unavailable` is ours (the JWKS could not be fetched), not the caller's. */
export type SessionFailureReason =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'expired'
  | 'not-yet-valid'
  | 'claims'
  | 'keys-unavailable';

/**
 * A session token that did not verify. Raised before any provider is called; it never carries the
 * token itself, so it can be logged and returned as it is.
 */
export class SessionInvalidError extends BackstopError {
  constructor(
    readonly session: string,
    readonly reason: SessionFailureReason,
    detail: string,
  ) {
    super(ErrorCodes.SESSION_INVALID, `session '${session}': ${detail}`);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), session: this.session, reason: this.reason };
  }
}
