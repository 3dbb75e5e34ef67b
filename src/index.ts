export { Backstop, type BackstopOptions } from './backstop.js';
export type { CacheDefinition, StoredCacheType } from './cache/cache-definition.js';
export type { CacheInfo } from './cache/cached-run.js';
export { JOB_STATES, type JobState, type ListJobsOptions } from './client/jobs-api.js';
export type { OperatorInput, ResetResult, UpdateResult } from './client/operator-api.js';
export type { QuotaProviderStatus, QuotaStatus } from './client/quota-api.js';
export type { ScheduleView } from './client/schedules-api.js';
export { type Config, loadConfig } from './config.js';
export type { AttemptErrorInfo, AttemptRecord } from './core/attempt.js';
export type { BackoffSpec } from './core/backoff.js';
export type { BatchItemResult, BatchOutcome } from './core/batch/batch-result.js';
export type { ErrorPolicy, Verdict } from './core/classify.js';
export { type DataType, DataTypes, type FeatureEventType, FeatureEventTypes } from './core/data-types.js';
export type { AppDefinition } from './core/definition/app-definition.js';
export type { MapContext, ProviderBuilder } from './core/definition/builder.js';
export type { ChainBuilderContext } from './core/definition/builder-context.js';
export type { CodeFirstDefinition, CodeFirstQuotaDefinition } from './core/definition/code-first.js';
export type { DeclarativeQuota } from './core/definition/declarative-quota.js';
export type { DeclarativeDefinition, FallbackOption } from './core/definition/declarative-schema.js';
export type { QuotaBuilderContext } from './core/definition/quota-builder-context.js';
export type { Drill, DrillMode, DrillRequest } from './core/drill.js';
export { BackstopError, type ErrorCode, ErrorCodes, isBackstopError } from './core/errors.js';
export type {
  AttemptEndedEvent,
  AttemptStartedEvent,
  EngineEvent,
  EngineEventType,
  EventOf,
  FailoverEvent,
  HealthAlertEvent,
  HealthChangedEvent,
  ProviderSkippedEvent,
  RunEndedEvent,
  RunInfo,
  RunStartedEvent,
} from './core/events.js';
export type { AttemptFailure } from './core/failure.js';
export { FeatureStepFailedError } from './core/feature/feature-errors.js';
export type { FeatureDefinition, FeatureEvent } from './core/feature/feature-schema.js';
export type { StepRecord } from './core/feature/step-record.js';
export {
  type HealthKey,
  type HealthView,
  InMemoryHealthView,
  type ProviderHealth,
  type ProviderStatus,
} from './core/health-view.js';
export type { InputField, InputSchema } from './core/input-schema.js';
export type { Logger } from './core/logger.js';
export {
  AttemptTimeoutError,
  ProviderError,
  ProviderHttpError,
  ProviderNetworkError,
  TargetUnavailableError,
} from './core/provider-errors.js';
export {
  DeadlineExceededError,
  FallbackExhaustedError,
  FallbackRunError,
  FallbackStoppedError,
  MappingFailedError,
  RunAbortedError,
} from './core/run-errors.js';
export type { RunParams } from './core/run-target.js';
export type { Schedule } from './core/schedule.js';
export type { Claims, SessionRef } from './core/session.js';
export { type SessionFailureReason, SessionInvalidError } from './core/session-errors.js';
export type { TargetAdapter, TargetContext } from './core/target.js';
export type { TargetKind, TargetRef } from './core/target-ref.js';
export {
  ConflictError,
  NotFoundError,
  UnsupportedError,
  ValidationError,
  type ValidationIssue,
} from './core/validation-error.js';
export type { FallbackDescription, FallbackOptionDescription } from './definitions/describe-fallback.js';
export type {
  RecentAttempt,
  RecentRun,
  RecentRuns,
  RecentRunsLimits,
  RecentRunsQuery,
} from './observability/recent-runs.js';
export type { BackstopWorker } from './queue/backstop-worker.js';
export type { FallbackJobResult, FeatureJobResult, JobResult } from './queue/job-data.js';
export type { JobHandle, ScheduleHandle } from './queue/job-handle.js';
export type { JobView } from './queue/job-view.js';
export type { JobWorker, WorkerOptions } from './queue/job-worker.js';
export type { DispatchParams } from './queue/producer.js';
export { type EmbeddedRedis, startEmbeddedRedis } from './redis/embedded-redis.js';
export type { BatchParams } from './runs/batch-runs.js';
export type { FeatureReport } from './runs/feature-report.js';
export type { RunReport } from './runs/run-report.js';
export type { SessionDefinition, SessionDescription } from './session/session-definition.js';
export type { ActionHandler } from './targets/handler-registry.js';
export { type DefinitionsModule, loadDefinitions } from './worker-process.js';
