/** What a compiled template can read when it is evaluated. */
export interface TemplateScope {
  input?: unknown;
  response?: unknown;
  /** The previous provider's failure, like the stream processor's `fallback_error` metadata. */
  fallback?: { error: string; provider: string; code: string; status?: number | undefined } | undefined;
  /** Looks up a secret by name; the default reads `process.env` at evaluation time. */
  secret?: (name: string) => string | undefined;
}

export type TemplateNamespace = 'Input' | 'Response' | 'Secret' | 'Fallback';

export const ALL_NAMESPACES: readonly TemplateNamespace[] = ['Input', 'Response', 'Secret', 'Fallback'];
