/** What a compiled template can read when it is evaluated. */
export interface TemplateScope {
  input?: unknown;
  response?: unknown;
  /** The previous provider's failure, like the stream processor's `fallback_error` metadata. */
  fallback?: { error: string; provider: string; code: string; status?: number | undefined } | undefined;
  /** The verified claims of the run's session token (`$Session{path}`). */
  session?: Readonly<Record<string, unknown>> | undefined;
  /** Outputs of a feature's earlier steps by step name (`$Sequence{step}{path}`). */
  sequence?: Readonly<Record<string, unknown>> | undefined;
  /** The run and the provider being called (`$Run{idempotencyKey}`, `$Run{runId}`, `$Run{provider}`). */
  run?: RunScope | undefined;
}

export interface RunScope {
  /** This provider's idempotency key: the same on every retry and re-run. */
  idempotencyKey: string;
  runId: string;
  provider: string;
}

export type TemplateNamespace = 'Input' | 'Response' | 'Secret' | 'Fallback' | 'Session' | 'Sequence' | 'Run';

export const ALL_NAMESPACES: readonly TemplateNamespace[] = [
  'Input',
  'Response',
  'Secret',
  'Fallback',
  'Session',
  'Sequence',
  'Run',
];
