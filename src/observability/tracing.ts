import {
  type Context,
  context,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { EventBus } from '../core/event-bus.js';
import type { RunInfo } from '../core/events.js';
import { runOutcome } from './metric-labels.js';

const TRACER = 'backstop';

/**
 * Whether the application registered an OpenTelemetry tracer provider. Until it does, the API's
 * global provider is a proxy with no delegate and Backstop traces nothing: no listener, no span,
 * no header.
 */
export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider) return provider.getDelegateTracer(TRACER) !== undefined;
  return true;
}

/** Which attempt a span or a header is about. */
export interface AttemptKey {
  runId: string;
  provider: string;
  attempt: number;
}

const keyOf = (k: AttemptKey) => `${k.runId}\u0000${k.provider}\u0000${k.attempt}`;

/**
 * A span per run (`backstop.run <tag>`, a child of whatever context was active when the run
 * started: the caller's, the HTTP request's, or the job's) and per attempt (`backstop.attempt
 * <provider>`, a client span under its run), made from the engine's events; skips, failovers and
 * ambiguous outcomes are events on the run's span. `traceparent(attempt)` is the W3C header the
 * provider gets, naming the attempt's span.
 */
export class RunTracing {
  private readonly tracer: Tracer = trace.getTracer(TRACER);
  private readonly runs = new Map<string, Span>();
  private readonly attempts = new Map<string, Span>();
  private readonly offs: (() => void)[];

  constructor(events: EventBus) {
    this.offs = [
      events.on('run.started', (e) => this.runStarted(e.run)),
      events.on('attempt.started', (e) => {
        const run = this.runs.get(e.run.runId);
        const parent: Context = run ? trace.setSpan(context.active(), run) : context.active();
        const span = this.tracer.startSpan(
          `backstop.attempt ${e.provider}`,
          { kind: SpanKind.CLIENT, attributes: attemptAttributes(e.provider, e.attempt) },
          parent,
        );
        this.attempts.set(keyOf({ runId: e.run.runId, ...e }), span);
      }),
      events.on('attempt.ended', ({ run, record }) => {
        const key = keyOf({ runId: run.runId, provider: record.provider, attempt: record.attempt });
        const span = this.attempts.get(key);
        if (!span || record.outcome === 'verify') return;
        this.attempts.delete(key);
        span.setAttribute('backstop.outcome', record.outcome);
        if (record.hedged) span.setAttribute('backstop.hedged', record.hedged);
        const error = record.error;
        if (error) {
          span.setAttributes({ 'error.type': error.code, 'backstop.verdict': error.verdict });
          if (error.status !== undefined) span.setAttribute('http.response.status_code', error.status);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
        }
        span.end();
      }),
      events.on('provider.skipped', (e) =>
        this.runs.get(e.run.runId)?.addEvent('backstop.provider_skipped', {
          'backstop.provider': e.provider,
          'backstop.reason': e.reason,
        }),
      ),
      events.on('failover', (e) =>
        this.runs.get(e.run.runId)?.addEvent('backstop.failover', {
          'backstop.from': e.from,
          'backstop.to': e.to,
          'error.type': e.code,
        }),
      ),
      events.on('ambiguous', (e) =>
        this.runs.get(e.run.runId)?.addEvent('backstop.ambiguous', {
          'backstop.provider': e.provider,
          'backstop.decision': e.decision,
          'error.type': e.code,
        }),
      ),
      events.on('run.ended', (e) => {
        const span = this.runs.get(e.run.runId);
        if (!span) return;
        this.runs.delete(e.run.runId);
        span.setAttributes({
          'backstop.outcome': runOutcome(e.outcome),
          'backstop.attempts': e.attempts.length,
        });
        if (e.provider) span.setAttribute('backstop.provider', e.provider);
        else span.setStatus({ code: SpanStatusCode.ERROR, message: e.outcome });
        span.end();
      }),
    ];
  }

  /** The `traceparent` (and `tracestate`) naming an attempt's span, while it runs. */
  headers(attempt: AttemptKey): Record<string, string> | undefined {
    const span = this.attempts.get(keyOf(attempt));
    if (!span) return undefined;
    const { traceId, spanId, traceFlags, traceState } = span.spanContext();
    const headers: Record<string, string> = {
      traceparent: `00-${traceId}-${spanId}-${(traceFlags & 1) === 1 ? '01' : '00'}`,
    };
    const state = traceState?.serialize();
    if (state) headers.tracestate = state;
    return headers;
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    for (const span of [...this.attempts.values(), ...this.runs.values()]) span.end();
    this.attempts.clear();
    this.runs.clear();
  }

  private runStarted(run: RunInfo): void {
    const span = this.tracer.startSpan(
      `backstop.run ${run.tag}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'backstop.product': run.product,
          'backstop.env': run.env,
          'backstop.tag': run.tag,
          'backstop.run_id': run.runId,
          'backstop.depth': run.depth,
        },
      },
      context.active(),
    );
    this.runs.set(run.runId, span);
  }
}

function attemptAttributes(provider: string, attempt: number) {
  const attributes: Record<string, string | number> = {
    'backstop.provider': provider,
    'backstop.attempt': attempt,
  };
  // OpenTelemetry's HTTP convention: how many times this request was sent before.
  if (attempt > 1) attributes['http.request.resend_count'] = attempt - 1;
  return attributes;
}

/**
 * Tracing for one Backstop, started once a tracer provider is registered: looked for when the
 * Backstop is made and again when it starts workers (a worker process may register its provider in
 * its definitions module). Until then nothing listens, so runs build no events for it.
 */
export class Tracing {
  private tracing: RunTracing | undefined;

  constructor(private readonly events: EventBus) {
    this.refresh();
  }

  /** Starts tracing if a tracer provider is registered now; whether tracing is on. */
  refresh(): boolean {
    if (!this.tracing && tracingRegistered()) this.tracing = new RunTracing(this.events);
    return this.tracing !== undefined;
  }

  /** Headers that carry the trace to a provider for this attempt; none while tracing is off. */
  headers(attempt: AttemptKey): Record<string, string> | undefined {
    return this.tracing?.headers(attempt);
  }

  stop(): void {
    this.tracing?.stop();
    this.tracing = undefined;
  }
}
