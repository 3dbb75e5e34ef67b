import { BullMQOtel } from 'bullmq-otel';
import { tracingRegistered } from './tracing.js';

/**
 * BullMQ's own OpenTelemetry support (`bullmq-otel`) for a Queue or Worker made now, when a tracer
 * provider is registered: a producer span when a job is added, whose context travels in the job's
 * options to the worker's `process` span, under which the run's spans then start.
 */
export function queueTelemetry(): BullMQOtel | undefined {
  return tracingRegistered() ? new BullMQOtel({ tracerName: 'backstop' }) : undefined;
}
