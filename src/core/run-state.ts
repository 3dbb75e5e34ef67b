import type { AttemptRecord } from './attempt.js';
import type { Chain, ProviderSpec } from './chain.js';
import type { Clock } from './clock.js';
import type { AttemptFailure } from './failure.js';
import type { CallOutcome, HealthKey, HealthView } from './health-view.js';
import type { Logger } from './logger.js';
import type { RunErrorData } from './run-errors.js';
import type { TargetResolver } from './target.js';
import type { TemplateScope } from './template/scope.js';

export interface EngineDeps {
  clock: Clock;
  health: HealthView;
  targets: TargetResolver;
  logger: Logger;
  random?: () => number;
}

export interface RunRequest {
  chain: Chain;
  env: string;
  /** Already validated against `chain.input`. */
  input: unknown;
  runId: string;
  /** Root of every provider's idempotency key; stable across re-runs of the same job. */
  runKey: string;
  signal?: AbortSignal | undefined;
  depth?: number;
  /** The verified claims of the run's session token: `$Session{}` in mappings, `ctx.session` in targets. */
  session?: Readonly<Record<string, unknown>> | undefined;
  /** Outputs of a feature's earlier steps, when this run is one of its steps (`$Sequence{}`). */
  sequence?: Readonly<Record<string, unknown>> | undefined;
  /** Start at this provider index (a resumed job skips providers it already exhausted). */
  startAt?: number;
  /** Attempts of earlier runs of the same job, kept at the head of this run's record. */
  previousAttempts?: readonly AttemptRecord[] | undefined;
  /** Awaited before the first attempt of each provider that is called (a job persists how far it got). */
  beforeProvider?: (providerIndex: number, attempts: readonly AttemptRecord[]) => void | Promise<void>;
  /** Called after each attempt record is written. */
  onAttempt?: (record: AttemptRecord, providerIndex: number) => void | Promise<void>;
}

/** Who and what a run is: copied into every attempt's context. */
export interface RunIdentity {
  runId: string;
  product: string;
  env: string;
  tag: string;
  depth: number;
  session: Readonly<Record<string, unknown>> | undefined;
}

/** What one run has gathered so far, shared by the steps of the algorithm. */
export class RunState {
  readonly attempts: AttemptRecord[];
  readonly providerErrors: Record<string, AttemptFailure> = {};
  readonly scope: TemplateScope;
  readonly identity: RunIdentity;

  constructor(
    readonly deps: EngineDeps,
    readonly req: RunRequest,
    readonly signal: AbortSignal,
    readonly deadlineAt: number | undefined,
  ) {
    this.attempts = req.previousAttempts ? [...req.previousAttempts] : [];
    this.scope = { input: req.input, session: req.session, sequence: req.sequence };
    const { chain } = req;
    this.identity = {
      runId: req.runId,
      product: chain.product,
      env: req.env,
      tag: chain.tag,
      depth: req.depth ?? 0,
      session: req.session,
    };
  }

  errorData(): RunErrorData {
    const { runId, product, tag, env } = this.identity;
    return { runId, product, tag, env, attempts: this.attempts, providerErrors: this.providerErrors };
  }

  async record(entry: AttemptRecord, index: number): Promise<void> {
    this.attempts.push(entry);
    if (this.req.onAttempt) await this.req.onAttempt(entry, index);
  }

  /** Health is kept per healthcheck; a provider without one is tracked by its name. */
  healthKey(provider: ProviderSpec): HealthKey {
    return {
      product: this.identity.product,
      env: this.identity.env,
      healthcheck: provider.healthcheck ?? provider.name,
    };
  }

  isUnhealthy(provider: ProviderSpec): boolean {
    return this.deps.health.get(this.healthKey(provider))?.provider_status === 'unhealthy';
  }

  report(provider: ProviderSpec, kind: CallOutcome['kind'], latencyMs: number): void {
    this.deps.health.record?.(this.healthKey(provider), { provider: provider.name, kind, latencyMs });
  }
}
