import type { AttemptRecord } from './attempt.js';

/** Which run an event is about. */
export interface RunInfo {
  runId: string;
  product: string;
  env: string;
  /** The chain's tag. */
  tag: string;
  /** 0 for a top-level run; nested runs (a chain run by another chain or a feature) count up. */
  depth: number;
}

export interface RunStartedEvent {
  type: 'run.started';
  run: RunInfo;
  at: number;
}

export interface RunEndedEvent {
  type: 'run.ended';
  run: RunInfo;
  at: number;
  durationMs: number;
  /** `success`, or the code of the run's error (`BACKSTOP_FALLBACK_EXHAUSTED`, …). */
  outcome: 'success' | string;
  /** The provider that served, on success. */
  provider: string | undefined;
  /** Every attempt of the run, skips included. */
  attempts: readonly AttemptRecord[];
}

export interface AttemptStartedEvent {
  type: 'attempt.started';
  run: RunInfo;
  provider: string;
  attempt: number;
  at: number;
}

export interface AttemptEndedEvent {
  type: 'attempt.ended';
  run: RunInfo;
  /** The attempt's record: provider, attempt, duration, outcome, error code and verdict. */
  record: AttemptRecord;
}

export interface ProviderSkippedEvent {
  type: 'provider.skipped';
  run: RunInfo;
  provider: string;
  reason: NonNullable<AttemptRecord['skipped']>;
}

/** The run calls `to` after `from` failed. */
export interface FailoverEvent {
  type: 'failover';
  run: RunInfo;
  from: string;
  to: string;
  /** The code of `from`'s last failure. */
  code: string;
}

/**
 * A provider's retries are used up and it may have acted on its last call: what the chain's
 * `onAmbiguous` made of it.
 */
export interface AmbiguousEvent {
  type: 'ambiguous';
  run: RunInfo;
  provider: string;
  idempotencyKey: string;
  /** The code of the failure that left it unknown. */
  code: string;
  decision: 'failover' | 'stop' | 'verify';
}

/**
 * A provider's phase changed (probes, live traffic, an operator, or time ending an ejection, a
 * cool-down or a slow start). Emitted by the health layer in every process that sees it.
 */
export interface HealthChangedEvent {
  type: 'health.changed';
  product: string;
  env: string;
  /** The healthcheck's tag, or the provider's name for a provider without one. */
  key: string;
  status: 'healthy' | 'unhealthy' | 'unknown';
  /** Why: an ejection reason (consecutive-failures, failure-rate, latency, auth, probe, operator, retry-after) or how it came back. */
  reason?: string | undefined;
  at: number;
  /** The phase now: healthy, unknown, ejected, cooling, trial or ramping. */
  state?: 'healthy' | 'unknown' | 'ejected' | 'cooling' | 'trial' | 'ramping' | undefined;
  /** When time ends this phase, if it does. */
  until?: number | null | undefined;
  /** Credentials were refused (401/403): an operator must act. */
  alert?: boolean | undefined;
}

/**
 * A healthcheck with `onFailure.emit` saw its provider go out of rotation or come back: once per
 * transition, in every process (whichever process made the transition tells the others).
 */
export interface HealthAlertEvent {
  type: 'health.alert';
  /** The name `onFailure.emit.event` gives. */
  event: string;
  id: string;
  transition: 'unhealthy' | 'recovered';
  product: string;
  env: string;
  healthcheck: string;
  reason: string;
  at: string;
}

/**
 * A worker took a dispatched job (each time it does: a job re-run after a crash starts again).
 * Emitted by the queue layer through the same events, so that lateness is measured where jobs run.
 */
export interface JobStartedEvent {
  type: 'job.started';
  kind: 'fallback' | 'quota' | 'batch' | 'feature';
  jobId: string;
  /** The named queue the job was taken from. */
  queue: string;
  product: string;
  env: string;
  tag: string;
  at: number;
  /** How long after its intended time (dispatch plus delay, or its `at`) the job started; 0 if early. */
  lateMs: number;
}

export type EngineEvent =
  | JobStartedEvent
  | RunStartedEvent
  | RunEndedEvent
  | AttemptStartedEvent
  | AttemptEndedEvent
  | ProviderSkippedEvent
  | FailoverEvent
  | AmbiguousEvent
  | HealthChangedEvent
  | HealthAlertEvent;

export type EngineEventType = EngineEvent['type'];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

/**
 * Where the engine tells what it does. Metrics, traces, job logs and the dashboard subscribe; the
 * engine imports none of them. `active` is false while nobody listens, so that a run then builds
 * no event at all.
 */
export interface EngineEvents {
  readonly active: boolean;
  /** Whether anyone listens to this type: an event nobody hears is not built. */
  listens(type: EngineEventType): boolean;
  emit(event: EngineEvent): void;
}

export const NO_EVENTS: EngineEvents = Object.freeze({ active: false, listens: () => false, emit() {} });
