import type { Claims, SessionRef } from '../core/session.js';
import { NotFoundError } from '../core/validation-error.js';
import type { SessionDefinition, SessionDescription } from '../session/session-definition.js';
import type { SessionRegistry } from '../session/session-registry.js';

/**
 * `backstop.session`: session types whose tokens are JWTs. A run or dispatch with
 * `session: { tag, token }` verifies the token before any provider is called; its claims reach
 * mappings as `$Session{path}` and targets as `ctx.session`.
 */
export class SessionApi {
  constructor(private readonly registry: SessionRegistry) {}

  /** Defines (or replaces) a session type in this process. Secrets never leave the process. */
  define(definition: SessionDefinition): Promise<SessionDescription> {
    return this.registry.define(definition);
  }

  /** The claims of a valid token; rejects with BACKSTOP_SESSION_INVALID (and its `reason`) otherwise. */
  verify(session: SessionRef): Promise<Claims> {
    return this.registry.verify(session);
  }

  /** Issues a token for a secret-keyed session type: `sign({ tag, claims, expiresIn: '15m' })`. */
  sign(params: {
    tag: string;
    claims?: Record<string, unknown>;
    expiresIn?: number | string;
  }): Promise<string> {
    return this.registry.sign(params);
  }

  fetch(tag: string): SessionDescription {
    const found = this.registry.fetch(tag);
    if (!found) throw new NotFoundError('session', tag);
    return found;
  }

  fetchAll(): SessionDescription[] {
    return this.registry.list();
  }

  delete(tag: string): void {
    if (!this.registry.delete(tag)) throw new NotFoundError('session', tag);
  }
}
