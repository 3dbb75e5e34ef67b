import type { AttemptRecord } from './attempt.js';
import type { Chain, ProviderSpec } from './chain.js';
import type { Clock } from './clock.js';
import type { DrillView } from './drill.js';
import { type EngineEvents, NO_EVENTS, type RunInfo } from './events.js';
import type { AttemptFailure } from './failure.js';
import { DEFAULT_PANIC, panics } from './health/panic.js';
import type { CallOutcome, HealthKey, HealthView, InFlightCall } from './health-view.js';
import type { Logger } from './logger.js';
import type { RateLimiter } from './rate-limit.js';
import type { RunErrorData } from './run-errors.js';
import type { TargetResolver } from './target.js';
import type { TemplateScope } from './template/scope.js';
import type { AmbiguityPolicy } from './verify.js';

export interface EngineDeps {
  clock: Clock;
  health: HealthView;
  targets: TargetResolver;
  logger: Logger;
  /** Where runs tell what they do (metrics, traces, job logs subscribe). None by default. */
  events?: EngineEvents | undefined;
  random?: () => number;
  /** Failover drills in force (health.drill): consulted before each attempt. None by default. */
  drills?: DrillView | undefined;
  /** Provider rate limits shared across processes; without one, `rateLimit` is not enforced. */
  rateLimits?: RateLimiter | undefined;
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
  /** An earlier tier's failure, as `$Fallback{}` sees it (a batch item handed to the next provider). */
  fallback?: TemplateScope['fallback'];
  /** Start at this provider index (a resumed job skips providers it already exhausted). */
  startAt?: number;
  /** Attempts of earlier runs of the same job, kept at the head of this run's record. */
  previousAttempts?: readonly AttemptRecord[] | undefined;
  /** Logs of this run (a job's carry its id); the engine's logger by default. */
  logger?: Logger | undefined;
  /** Awaited before the first attempt of each provider that is called (a job persists how far it got). */
  beforeProvider?: (providerIndex: number, attempts: readonly AttemptRecord[]) => void | Promise<void>;
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
  readonly events: EngineEvents;
  readonly logger: Logger;
  /** What events say of this run; made only when someone listens. */
  private runInfo: RunInfo | undefined;
  /** The provider whose failure the run is moving on from, for the failover event. */
  private failedProvider: { name: string; code: string } | undefined;
  /** Whether this run ignores health (the panic share), decided at its first skip. */
  private panicking: boolean | undefined;

  constructor(
    readonly deps: EngineDeps,
    readonly req: RunRequest,
    readonly signal: AbortSignal,
    readonly deadlineAt: number | undefined,
  ) {
    this.attempts = req.previousAttempts ? [...req.previousAttempts] : [];
    this.scope = { input: req.input, session: req.session, sequence: req.sequence };
    if (req.fallback) this.scope.fallback = req.fallback;
    const { chain } = req;
    this.identity = {
      runId: req.runId,
      product: chain.product,
      env: req.env,
      tag: chain.tag,
      depth: req.depth ?? 0,
      session: req.session,
    };
    this.events = deps.events ?? NO_EVENTS;
    this.logger = req.logger ?? deps.logger;
  }

  /** The run as events name it (never its session claims). */
  get info(): RunInfo {
    if (!this.runInfo) {
      const { runId, product, env, tag, depth } = this.identity;
      this.runInfo = { runId, product, env, tag, depth };
    }
    return this.runInfo;
  }

  errorData(): RunErrorData {
    const { runId, product, tag, env } = this.identity;
    return { runId, product, tag, env, attempts: this.attempts, providerErrors: this.providerErrors };
  }

  /** Adds a line to the attempt record and tells the listeners. */
  record(entry: AttemptRecord): void {
    this.attempts.push(entry);
    if (!this.events.active) return;
    if (entry.outcome === 'skipped') {
      if (!this.events.listens('provider.skipped')) return;
      this.events.emit({
        type: 'provider.skipped',
        run: this.info,
        provider: entry.provider,
        reason: entry.skipped ?? 'unhealthy',
      });
    } else if (this.events.listens('attempt.ended'))
      this.events.emit({ type: 'attempt.ended', run: this.info, record: entry });
  }

  /** A provider is about to be called: after another one failed, that is a failover. */
  calling(provider: ProviderSpec, attempt: number, at: number): void {
    if (!this.events.active) return;
    const failed = this.failedProvider;
    if (attempt === 1 && failed && failed.name !== provider.name && this.events.listens('failover')) {
      const event = {
        type: 'failover',
        run: this.info,
        from: failed.name,
        to: provider.name,
        code: failed.code,
      } as const;
      this.events.emit(event);
    }
    if (this.events.listens('attempt.started'))
      this.events.emit({ type: 'attempt.started', run: this.info, provider: provider.name, attempt, at });
  }

  /** A provider's retries are used up while it may have acted: tells the listeners what the chain does. */
  ambiguous(provider: ProviderSpec, idempotencyKey: string, code: string, decision: AmbiguityPolicy): void {
    if (!this.events.listens('ambiguous')) return;
    this.events.emit({
      type: 'ambiguous',
      run: this.info,
      provider: provider.name,
      idempotencyKey,
      code,
      decision,
    });
  }

  /** Remembers the failure the run may fail over from. */
  failed(provider: ProviderSpec, code: string): void {
    this.failedProvider = { name: provider.name, code };
  }

  /** Health is kept per healthcheck; a provider without one is tracked by its name. */
  healthKey(provider: ProviderSpec): HealthKey {
    return {
      product: this.identity.product,
      env: this.identity.env,
      healthcheck: provider.healthcheck ?? provider.name,
    };
  }

  /** Whether health lets this run call the provider now (a half-open provider admits a limited number of trials). */
  admits(provider: ProviderSpec): boolean {
    return this.deps.health.admit(this.healthKey(provider));
  }

  /** Whether the provider is out of rotation, as a plain read (no trial call taken). */
  peekUnhealthy(provider: ProviderSpec): boolean {
    return this.deps.health.peek(this.healthKey(provider))?.provider_status === 'unhealthy';
  }

  /**
   * Under `whenAllUnhealthy: 'panic'` (the default), whether this run ignores health: decided once,
   * when health would first skip a provider, from the share of the chain's providers in rotation.
   */
  panics(): boolean {
    if (this.panicking !== undefined) return this.panicking;
    const { chain } = this.req;
    if ((chain.whenAllUnhealthy ?? 'panic') !== 'panic') {
      this.panicking = false;
      return false;
    }
    const healthy = chain.providers.filter((p) => !this.peekUnhealthy(p)).length;
    const draw = (this.deps.random ?? Math.random)();
    this.panicking = panics(healthy, chain.providers.length, chain.panic ?? DEFAULT_PANIC, draw);
    if (this.panicking)
      this.logger.debug({ runId: this.req.runId, tag: chain.tag }, 'panic: ignoring health');
    return this.panicking;
  }

  /** A call to the provider begins (a view that judges latency may count it as slow before it ends). */
  startCall(provider: ProviderSpec): InFlightCall | undefined {
    return this.deps.health.started?.(this.healthKey(provider), provider.health);
  }

  report(
    provider: ProviderSpec,
    kind: CallOutcome['kind'],
    latencyMs: number,
    failure?: AttemptFailure,
    call?: InFlightCall,
  ): void {
    const record = this.deps.health.record;
    if (!record) return;
    record.call(this.deps.health, this.healthKey(provider), {
      provider: provider.name,
      kind,
      latencyMs,
      failure: failure && { code: failure.code, status: failure.status, retryAfterMs: failure.retryAfterMs },
      policy: provider.health,
      call,
    });
  }
}
