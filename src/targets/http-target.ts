import { linkedController } from '../core/abort.js';
import type { Clock } from '../core/clock.js';
import { type CompiledApp, DEFAULT_MAX_RESPONSE_BYTES } from '../core/definition/app-definition.js';
import { ErrorCodes } from '../core/errors.js';
import {
  AttemptTimeoutError,
  ProviderError,
  ProviderHttpError,
  ProviderNetworkError,
  ResponseTooLargeError,
  TargetUnavailableError,
} from '../core/provider-errors.js';
import { waitForSlot } from '../core/rate-gate.js';
import type { RateLimiter, RateLimitSpec } from '../core/rate-limit.js';
import type { TargetAdapter, TargetContext } from '../core/target.js';
import { type OutboundFetch, refusalOf } from '../security/outbound-fetch.js';
import type { Redactor } from '../security/redactor.js';
import { parseAnswer } from './http-answer.js';
import { appendQuery, fillPath, parseRetryAfter, toRequestParts } from './http-request.js';
import { sendHttp } from './http-transport.js';
import { placeKey } from './idempotency-placement.js';

export type AppLookup = (tag: string) => Promise<CompiledApp | undefined>;

type AppTarget = { kind: 'app'; app: string; action: string };

const EXCERPT = 200;
/** An error page is read this far, for its excerpt. */
const ERROR_BYTES = 8_192;

/**
 * Calls an app action over HTTP: the key where the app says the provider reads it, the answer read
 * no further than the action's `maxResponseBytes`, and failures that say whether the request had
 * left (http-transport.ts), which is what makes a timeout or a reset a refusal or ambiguous.
 * Connections go through the outbound policy; what comes back in an error is scrubbed of every
 * secret value before it becomes an attempt record, a log line or job data.
 */
export class HttpAppTarget implements TargetAdapter<AppTarget> {
  constructor(
    private readonly apps: AppLookup,
    private readonly clock: Clock,
    private readonly fetch: OutboundFetch,
    private readonly redactor: Redactor,
    /** Headers that carry the run's trace to the provider (`traceparent`), when tracing is on. */
    private readonly propagate?: (ctx: TargetContext) => Record<string, string> | undefined,
    /** Counts calls of actions with a `rateLimit` across processes; none: limits are not enforced. */
    private readonly rateLimits?: RateLimiter,
  ) {}

  /**
   * The action's shared limit: waits for a slot within the run's deadline and the attempt's
   * timeout, else the attempt fails as a refusal (nothing was sent) and the run fails over.
   */
  private async takeSlot(target: AppTarget, limit: RateLimitSpec, ctx: TargetContext): Promise<void> {
    const untilAt =
      ctx.remainingMs === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + ctx.remainingMs;
    const key = `app:${target.app}:${target.action}`;
    const slot = await waitForSlot(this.rateLimits!, key, limit, this.clock, untilAt, ctx.signal);
    if (slot === 'limited') {
      throw new ProviderError(
        `app '${target.app}' action '${target.action}' is over its rate limit of ${limit.max} calls per ${limit.perMs} ms, with no slot free in time`,
        { code: ErrorCodes.RATE_LIMITED, sent: false, retryable: false },
      );
    }
  }

  async call(target: AppTarget, request: unknown, ctx: TargetContext): Promise<unknown> {
    const app = await this.apps(target.app);
    if (!app)
      throw new TargetUnavailableError(`app '${target.app}' is not defined (app.define) and has no handler`);
    const action = app.definition.actions[target.action];
    if (!action) throw new TargetUnavailableError(`app '${target.app}' has no action '${target.action}'`);
    const env = app.envs[ctx.env];
    if (!env) throw new TargetUnavailableError(`app '${target.app}' has no env '${ctx.env}'`);

    const placement = action.idempotency ?? app.definition.idempotency;
    const key = placeKey(
      placement,
      ctx.idempotencyKey,
      action.method,
      toRequestParts(action.method, request),
    );
    const { parts } = key;
    const base = String(env.baseUrl({})).replace(/\/+$/, '');
    const url = new URL(base + fillPath(action.path, parts.params));
    appendQuery(url, parts.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(env.headers)) headers[name.toLowerCase()] = String(value({}));
    for (const [name, value] of Object.entries(app.actionHeaders[target.action] ?? {})) {
      headers[name.toLowerCase()] = String(value({}));
    }
    for (const [name, value] of Object.entries(parts.headers ?? {}))
      headers[name.toLowerCase()] = String(value);
    if (key.header) headers[key.header] = ctx.idempotencyKey;
    for (const [name, value] of Object.entries(this.propagate?.(ctx) ?? {})) headers[name] ??= value;
    let body: string | undefined;
    if (parts.body !== undefined) {
      body = typeof parts.body === 'string' ? parts.body : JSON.stringify(parts.body);
      headers['content-type'] ??= 'application/json';
    }

    if (action.rateLimit && this.rateLimits) await this.takeSlot(target, action.rateLimit, ctx);
    // Loading the HTTP client (once a process) is not the provider's time: not on the attempt's clock.
    const dispatcher = await this.fetch.dispatcher();
    let sent = false;
    ctx.reportDelivery?.('not-sent');
    const { controller, unlink } = linkedController(ctx.signal);
    const timeout = action.timeout;
    const cancelTimer = timeout
      ? this.clock.setTimer(timeout, () => {
          // Late because the event loop was busy? Let an answer that already arrived be read first.
          const fire = () => controller.abort(new AttemptTimeoutError(timeout, sent));
          if (this.clock.defer) this.clock.defer(fire);
          else fire();
        })
      : undefined;
    const maxBytes = action.maxResponseBytes ?? app.definition.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    try {
      // Redirects are not followed (undici's request does not): a provider's 3xx is its answer, and
      // following it would carry the request's credentials (custom headers, the body) to another host.
      const answer = await sendHttp(
        url,
        {
          method: action.method,
          headers,
          body,
          signal: controller.signal,
          maxBytes,
          maxErrorBytes: Math.min(maxBytes, ERROR_BYTES),
          onSent: () => {
            sent = true;
            ctx.reportDelivery?.('sent');
          },
        },
        dispatcher,
      );
      const { status } = answer;
      if (status < 200 || status >= 300) {
        const retryAfter = parseRetryAfter(headerOf(answer.headers['retry-after']));
        const inProgress = inProgressStatuses(placement).includes(status);
        // Scrubbed whole, then cut: a cut first could leave the head of a secret in the excerpt.
        throw new ProviderHttpError(status, this.redactor.scrub(answer.text).slice(0, EXCERPT), retryAfter, {
          keyed: key.keyed,
          ...(inProgress ? { ambiguous: true } : {}),
        });
      }
      if (answer.tooLarge) throw new ResponseTooLargeError(maxBytes, status, key.keyed);
      return parseAnswer(answer.text, headerOf(answer.headers['content-type']), status, ctx);
    } catch (error) {
      throw controller.signal.aborted
        ? controller.signal.reason
        : this.redactor.scrubError(asNetworkError(error, sent));
    } finally {
      cancelTimer?.();
      unlink();
    }
  }
}

function inProgressStatuses(placement: CompiledApp['definition']['idempotency']): number[] {
  if (!placement || placement.inProgressStatus === undefined) return [];
  return Array.isArray(placement.inProgressStatus)
    ? placement.inProgressStatus
    : [placement.inProgressStatus];
}

function headerOf(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** undici's connection errors (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, …) as ours, saying whether the request had left. */
function asNetworkError(error: unknown, sent: boolean): unknown {
  if (error instanceof ProviderHttpError || error instanceof ResponseTooLargeError) return error;
  if (error instanceof TargetUnavailableError) return error;
  const refused = refusalOf(error);
  // Refused by the outbound policy: nothing was sent, and retrying cannot help.
  if (refused) return new TargetUnavailableError(refused.message);
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const networkCode = code ?? cause?.code;
    return new ProviderNetworkError(`network error: ${error.message}`, networkCode, error, sent);
  }
  return error;
}
