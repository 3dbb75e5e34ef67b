import { linkedController } from '../core/abort.js';
import type { Clock } from '../core/clock.js';
import type { CompiledApp } from '../core/definition/app-definition.js';
import {
  AttemptTimeoutError,
  ProviderHttpError,
  ProviderNetworkError,
  TargetUnavailableError,
} from '../core/provider-errors.js';
import type { TargetAdapter, TargetContext } from '../core/target.js';
import { appendQuery, fillPath, parseRetryAfter, toRequestParts } from './http-request.js';

export type AppLookup = (tag: string) => Promise<CompiledApp | undefined>;

type AppTarget = { kind: 'app'; app: string; action: string };

const EXCERPT = 200;

/** Calls an app action over HTTP. Sends the attempt's idempotency key as `Idempotency-Key`. */
export class HttpAppTarget implements TargetAdapter<AppTarget> {
  constructor(
    private readonly apps: AppLookup,
    private readonly clock: Clock,
  ) {}

  async call(target: AppTarget, request: unknown, ctx: TargetContext): Promise<unknown> {
    const app = await this.apps(target.app);
    if (!app)
      throw new TargetUnavailableError(`app '${target.app}' is not defined (app.define) and has no handler`);
    const action = app.definition.actions[target.action];
    if (!action) throw new TargetUnavailableError(`app '${target.app}' has no action '${target.action}'`);
    const env = app.envs[ctx.env];
    if (!env) throw new TargetUnavailableError(`app '${target.app}' has no env '${ctx.env}'`);

    const parts = toRequestParts(action.method, request);
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
    headers['idempotency-key'] = ctx.idempotencyKey;
    let body: string | undefined;
    if (parts.body !== undefined) {
      body = typeof parts.body === 'string' ? parts.body : JSON.stringify(parts.body);
      headers['content-type'] ??= 'application/json';
    }

    const { controller, unlink } = linkedController(ctx.signal);
    const timeout = action.timeout;
    const cancelTimer = timeout
      ? this.clock.setTimer(timeout, () => controller.abort(new AttemptTimeoutError(timeout)))
      : undefined;
    try {
      const response = await fetch(url, { method: action.method, headers, body, signal: controller.signal });
      const text = await response.text();
      if (!response.ok) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        throw new ProviderHttpError(response.status, text.slice(0, EXCERPT), retryAfter);
      }
      return parseBody(text, response.headers.get('content-type'));
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : asNetworkError(error);
    } finally {
      cancelTimer?.();
      unlink();
    }
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return {};
  if (contentType?.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function asNetworkError(error: unknown): unknown {
  if (error instanceof ProviderHttpError) return error;
  if (error instanceof TypeError) {
    // undici reports `fetch failed` with the socket error as the cause (ECONNRESET, ECONNREFUSED, …).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code;
    return new ProviderNetworkError(`network error: ${cause?.message ?? error.message}`, code, error);
  }
  return error;
}
