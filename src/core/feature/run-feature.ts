import { linkedController, NEVER_ABORTED } from '../abort.js';
import type { AttemptRecord } from '../attempt.js';
import { ErrorCodes } from '../errors.js';
import type { Logger } from '../logger.js';
import { DeadlineReachedError } from '../provider-errors.js';
import { type EngineDeps, runChain } from '../run-chain.js';
import type { Claims } from '../session.js';
import { describeTarget } from '../target-ref.js';
import type { TemplateScope } from '../template/scope.js';
import type { Feature, FeatureStep } from './feature.js';
import { FeatureStepFailedError } from './feature-errors.js';
import type { StepRecord } from './step-record.js';

/** What a nested run (a fallback or feature step) inherits from the feature run. */
export interface NestedRunContext {
  product: string;
  env: string;
  /** Root of the nested run's idempotency keys: the feature's key and the step's name. */
  runKey: string;
  depth: number;
  session: Claims | undefined;
  signal: AbortSignal | undefined;
}

export interface FeatureDeps {
  engine: EngineDeps;
  /** Runs a stored fallback; rejects with a FallbackRunError (which carries its attempts). */
  runFallback(
    tag: string,
    input: unknown,
    ctx: NestedRunContext,
  ): Promise<{ provider: string; result: Record<string, unknown>; attempts: readonly AttemptRecord[] }>;
  /** Runs another feature; rejects with a FeatureStepFailedError (which carries its steps). */
  runFeature(
    tag: string,
    input: unknown,
    ctx: NestedRunContext,
  ): Promise<{ output: unknown; steps: readonly StepRecord[] }>;
}

export interface FeatureRunRequest {
  feature: Feature;
  env: string;
  /** Already validated against `feature.input`. */
  input: Record<string, unknown>;
  runId: string;
  runKey: string;
  session?: Claims | undefined;
  signal?: AbortSignal | undefined;
  depth?: number;
  /** Steps an earlier run of the same job completed: their outputs are reused, they are not run again. */
  completed?: readonly StepRecord[] | undefined;
  /** Logs of this run (a job's carry its id); the engine's logger by default. */
  logger?: Logger | undefined;
  /** Awaited after each successful step (a job records its progress). */
  afterStep?: (steps: readonly StepRecord[]) => void | Promise<void>;
}

export type FeatureOutcome =
  | { ok: true; runId: string; output: unknown; steps: StepRecord[] }
  | {
      ok: false;
      runId: string;
      error: FeatureStepFailedError;
      steps: StepRecord[];
      /** The caller's signal ended the run (shutdown): not the feature's failure; run it again. */
      interrupted: boolean;
    };

/**
 * Runs a feature's steps in order. Each step reads the feature's input, the session and the
 * outputs of earlier steps (`$Sequence{step}{field}`); the first step that fails stops the feature
 * with an error naming it. Provider steps go through the failover engine (retries, timeouts,
 * idempotency keys, attempt records); fallback and feature steps are nested runs.
 */
export async function runFeature(deps: FeatureDeps, req: FeatureRunRequest): Promise<FeatureOutcome> {
  const { feature } = req;
  const { clock } = deps.engine;
  const deadlineMs = feature.deadlineMs;
  const run = deadlineMs !== undefined ? linkedController(req.signal) : undefined;
  const signal = run?.controller.signal ?? req.signal ?? NEVER_ABORTED;
  const cancelDeadline =
    deadlineMs === undefined
      ? noop
      : clock.setTimer(deadlineMs, () => run?.controller.abort(new DeadlineReachedError(deadlineMs)));
  const sequence: Record<string, unknown> = {};
  const steps: StepRecord[] = [];
  const scope = (): TemplateScope => ({ input: req.input, session: req.session, sequence: { ...sequence } });
  try {
    for (const step of feature.steps) {
      const done = req.completed?.find((r) => r.step === step.name && r.outcome === 'success');
      if (done) {
        sequence[step.name] = done.output;
        steps.push(done);
        continue;
      }
      const startedAt = clock.now();
      const base = {
        step: step.name,
        type: step.type,
        target: targetOf(step),
        startedAt: new Date(startedAt).toISOString(),
      };
      try {
        if (signal.aborted) throw signal.reason;
        const done = await runStep(deps, req, step, scope(), signal);
        const record: StepRecord = {
          ...base,
          outcome: 'success',
          ...done,
          durationMs: clock.now() - startedAt,
        };
        steps.push(record);
        sequence[step.name] = done.output;
        if (req.afterStep) await req.afterStep(steps);
      } catch (error) {
        const nested = error as {
          attempts?: readonly AttemptRecord[];
          steps?: readonly StepRecord[];
          code?: string;
        };
        steps.push({
          ...base,
          outcome: 'failure',
          attempts: nested.attempts ?? [],
          steps: nested.steps,
          durationMs: clock.now() - startedAt,
          error: {
            code: nested.code ?? ErrorCodes.PROVIDER_ERROR,
            message: (error as Error)?.message ?? String(error),
          },
        });
        const failure = new FeatureStepFailedError(
          feature.tag,
          feature.product,
          req.env,
          req.runId,
          step.name,
          steps,
          error,
        );
        const interrupted = req.signal?.aborted === true;
        return { ok: false, runId: req.runId, error: failure, steps, interrupted };
      }
    }
    const output = feature.output ? feature.output(scope()) : { ...sequence };
    return { ok: true, runId: req.runId, output, steps };
  } finally {
    cancelDeadline();
    run?.unlink();
  }
}

async function runStep(
  deps: FeatureDeps,
  req: FeatureRunRequest,
  step: FeatureStep,
  scope: TemplateScope,
  signal: AbortSignal,
): Promise<Pick<StepRecord, 'output' | 'provider' | 'attempts' | 'steps'>> {
  const depth = req.depth ?? 0;
  if (step.kind === 'provider') {
    const outcome = await runChain(deps.engine, {
      chain: step.chain,
      env: req.env,
      input: req.input,
      runId: req.runId,
      runKey: `${req.runKey}:${step.name}`,
      signal: signal === NEVER_ABORTED ? undefined : signal,
      depth,
      session: req.session,
      sequence: scope.sequence,
      logger: req.logger,
    });
    if (!outcome.ok) throw outcome.error;
    return { output: outcome.result, provider: outcome.provider, attempts: outcome.attempts };
  }
  const input = step.input ? step.input(scope) : req.input;
  const ctx: NestedRunContext = {
    product: req.feature.product,
    env: req.env,
    runKey: `${req.runKey}:${step.name}`,
    depth: depth + 1,
    session: req.session,
    signal: signal === NEVER_ABORTED ? undefined : signal,
  };
  if (step.kind === 'fallback') {
    const report = await deps.runFallback(step.tag, input, ctx);
    const output = step.output ? step.output({ ...scope, response: report.result }) : report.result;
    return { output, provider: report.provider, attempts: report.attempts };
  }
  const nested = await deps.runFeature(step.tag, input, ctx);
  const output = step.output ? step.output({ ...scope, response: nested.output }) : nested.output;
  return { output, attempts: [], steps: nested.steps };
}

function targetOf(step: FeatureStep): string {
  if (step.kind === 'provider') return describeTarget(step.chain.providers[0]!.target);
  return `${step.kind} ${step.tag}`;
}

function noop(): void {}
