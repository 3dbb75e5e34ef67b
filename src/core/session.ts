/** The verified claims of a session token, as mappings (`$Session{}`) and targets (`ctx.session`) see them. */
export type Claims = Readonly<Record<string, unknown>>;

/** `session: { tag, token }` as every run form takes it. */
export interface SessionRef {
  tag: string;
  token: string;
}

/** A session as job data keeps it: the token sealed, never in clear. */
export interface SealedSession {
  tag: string;
  sealed: string;
}
